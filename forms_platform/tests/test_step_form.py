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
