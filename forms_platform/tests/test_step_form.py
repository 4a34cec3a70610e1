"""The reusable citizen form of a step: inputs, repeating rows without JS, errors on fields."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from forms_platform.forms import build_step_form

DEFINITION = {
    "format": 1,
    "steps": [
        {
            "key": "a",
            "title": "Krok A",
            "fields": [
                {"name": "Osoba", "type": "person", "label": "Osoba", "required": True},
                {"name": "Zgoda", "type": "yesno", "label": "Zgoda", "required": True},
            ],
        },
        {
            "key": "b",
            "title": "Krok B",
            "fields": [
                {"name": "Kwota", "type": "money", "label": "Kwota"},
                {
                    "name": "Uzasadnienie",
                    "type": "textarea",
                    "label": "Uzasadnienie",
                    "visible_if": "Zgoda is true",
                    "required_if": "Kwota > 100",
                },
                {
                    "name": "Dzieci",
                    "type": "group",
                    "label": "Dzieci",
                    "max_items": 2,
                    "fields": [{"name": "Imie", "type": "text", "label": "Imię", "required": True}],
                },
                {"name": "Skan", "type": "attachment", "label": "Skan", "allowed_types": ["pdf"]},
            ],
        },
    ],
}


def post(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data[key] = value
    return data


def test_step_form_reads_nested_values_and_files():
    form = build_step_form(
        DEFINITION,
        step_key="b",
        data=post(Kwota="150,00", Uzasadnienie="Bo tak", Dzieci__0__Imie="Ala", Dzieci__1__Imie=""),
        files={"Skan": SimpleUploadedFile("skan.pdf", b"%PDF-1.4\n")},
        context={"Zgoda": True},
    )
    assert form.is_valid(), form.errors
    assert form.form_data["Kwota"] == 15000
    assert form.form_data["Dzieci"] == [{"Imie": "Ala"}]
    assert form.form_data["Skan"][0].content_type == "application/pdf"
    assert "Zgoda" not in form.form_data  # context is read by rules, not returned


def test_rules_read_earlier_steps_and_errors_land_on_inputs():
    form = build_step_form(
        DEFINITION, step_key="b", data=post(Kwota="150"), context={"Zgoda": True}
    )
    assert not form.is_valid()
    assert form.errors_by_name["Uzasadnienie"]
    assert form.fields["Uzasadnienie"].widget.attrs["aria-invalid"] == "true"
    hidden = build_step_form(
        DEFINITION, step_key="b", data=post(Kwota="150"), context={"Zgoda": False}
    )
    assert hidden.is_valid()  # the field is hidden, so not required


def test_add_row_without_javascript_up_to_the_maximum():
    form = build_step_form(
        DEFINITION, step_key="b", data=post(Dzieci__0__Imie="Ala", _add="Dzieci")
    )
    group = next(item for item in form.layout if item.name == "Dzieci")
    assert len(group.rows) == 2 and not group.can_add
    html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert 'name="Dzieci__1__Imie"' in html and 'value="Dzieci"' not in html


def test_error_summary_links_to_the_inputs():
    form = build_step_form(
        DEFINITION, step_key="a", data=post(Osoba__first_name="Jan", Osoba__pesel="123")
    )
    assert not form.is_valid()
    with translation.override("pl"):
        html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert '<div class="error-summary" role="alert"' in html
    assert 'href="#id_Osoba__pesel"' in html and 'href="#id_Zgoda_0"' in html
    assert 'id="id_Osoba__pesel_error"' in html
    assert "Numer PESEL ma dokładnie 11 cyfr." in html


CHOICES = {
    "format": 1,
    "steps": [
        {
            "key": "a",
            "title": "A",
            "fields": [
                {
                    "name": "Forma",
                    "type": "choice",
                    "label": "Forma",
                    "required": True,
                    "options": [{"value": "email", "label": "e-mail"}, {"value": "kopia"}],
                },
                {
                    "name": "Odbior",
                    "type": "choice",
                    "label": "Odbiór",
                    "options": [{"value": "osobiscie", "label": "osobiście"}],
                },
                {"name": "Zgoda", "type": "yesno", "label": "Zgoda"},
            ],
        }
    ],
}


def test_radios_start_unchosen_and_a_required_one_has_no_blank_option():
    html = render_to_string(
        "forms_platform/includes/step_form.html", {"form": build_step_form(CHOICES)}
    )
    assert "checked" not in html
    assert 'name="Forma" value=""' not in html  # required: no blank option
    assert html.count('name="Forma"') == 2
    assert 'name="Odbior" value=""' in html  # optional: can be left unanswered again
    form = build_step_form(CHOICES, data=post(Odbior="", Zgoda="true"))
    assert not form.is_valid()
    assert form.errors_by_name == {"Forma": ["To pole jest wymagane."]}


def test_a_declaration_is_one_box_that_must_be_ticked():
    definition = {
        "format": 1,
        "steps": [
            {
                "key": "a",
                "title": "A",
                "fields": [
                    {
                        "name": "Oswiadczenie",
                        "type": "declaration",
                        "label": "Oświadczam, że dane są zgodne z prawdą.",
                    }
                ],
            }
        ],
    }
    for refused in (post(), post(Oswiadczenie="false"), post(Oswiadczenie="nie")):
        form = build_step_form(definition, data=refused)
        assert not form.is_valid()
        assert form.errors_by_name == {
            "Oswiadczenie": ["Zaznacz pole, aby potwierdzić to oświadczenie."]
        }
        assert form.form_data == {}
    form = build_step_form(definition, data=post(Oswiadczenie="on"))
    assert form.is_valid() and form.form_data == {"Oswiadczenie": True}
    html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert '<input type="checkbox" name="Oswiadczenie"' in html
    assert 'label for="id_Oswiadczenie">Oświadczam, że dane są zgodne z prawdą.' in html
    assert 'value="false"' not in html  # no "no" to choose


PLOT = {
    "format": 1,
    "steps": [
        {
            "key": "a",
            "title": "A",
            "fields": [
                {
                    "name": "Teren",
                    "type": "address",
                    "label": "Adres terenu",
                    "required": True,
                    "building_optional": True,
                },
                {"name": "Dom", "type": "address", "label": "Adres domu"},
            ],
        }
    ],
}


def test_a_plot_address_needs_no_building_number_but_a_postal_address_does():
    form = build_step_form(
        PLOT,
        data=post(
            Teren__postal_code="44-100",
            Teren__city="Gliwice",
            Teren__street="Polna",
            Dom__postal_code="44-100",
            Dom__city="Gliwice",
        ),
    )
    assert not form.is_valid()
    assert form.errors_by_name == {"Dom__building": ["To pole jest wymagane."]}
    assert form.form_data["Teren"] == {
        "postal_code": "44-100",
        "city": "Gliwice",
        "street": "Polna",
    }
    teren = form.layout[0].children
    assert [c.required for c in teren if c.name == "Teren__building"] == [False]


def test_adding_a_row_does_not_judge_the_page():
    data = post(Kwota="abc", Dzieci__0__Imie="", _add="Dzieci")
    form = build_step_form(DEFINITION, step_key="b", data=data, validate=False)
    html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert "error-summary" not in html and "aria-invalid" not in html
    assert 'value="abc"' in html  # what was typed stays
    assert 'name="Dzieci__1__Imie"' in html


def test_removing_a_row_without_javascript_moves_the_later_rows_up():
    data = post(Dzieci__0__Imie="Ala", Dzieci__1__Imie="Ola", _remove="Dzieci__0", Kwota="12")
    form = build_step_form(DEFINITION, step_key="b", data=data, validate=False)
    group = next(item for item in form.layout if item.name == "Dzieci")
    assert len(group.rows) == 1 and not group.can_remove
    html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert 'name="Dzieci__0__Imie" value="Ola"' in html
    assert "Ala" not in html and 'name="Dzieci__1__Imie"' not in html
    two = build_step_form(
        DEFINITION, step_key="b", data=post(Dzieci__0__Imie="Ala", Dzieci__1__Imie="Ola")
    )
    html = render_to_string("forms_platform/includes/step_form.html", {"form": two})
    assert 'name="_remove" value="Dzieci__1"' in html and 'name="_remove" value="Dzieci__0"' in html


def test_the_error_summary_names_the_part_of_a_block_and_links_to_it():
    form = build_step_form(
        DEFINITION, step_key="a", data=post(Osoba__first_name="Jan", Osoba__pesel="123")
    )
    with translation.override("en"):
        assert not form.is_valid()
        html = render_to_string("forms_platform/includes/step_form.html", {"form": form})
    assert '<a href="#id_Osoba__last_name">Osoba – Surname: This field is required.</a>' in html
    assert '<a href="#id_Osoba__pesel">Osoba – PESEL number: A PESEL number' in html
