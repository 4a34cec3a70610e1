"""Every seed form: publishes, renders, accepts good data, rejects each kind of bad data with
its specific message, and produces XSD-valid XML that parses back to the same data."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.utils import timezone, translation

from forms_platform import rules, selectors
from forms_platform.definition import iter_fields, text_of
from forms_platform.forms import build_step_form
from forms_platform.models import FormTemplate, FormVersion
from forms_platform.seeding import seed_catalogue, seed_files, seed_forms

from .factories import ADDRESSEE, SENDER

SEEDS = seed_files()
MESSAGES = {
    "pesel": "The PESEL number has a wrong check digit.",
    "nip": "The NIP number has a wrong check digit.",
    "regon": "The REGON number has a wrong check digit.",
    "iban": "The account number has wrong check digits.",
    "postal_code": "Enter the postal code as NN-NNN, for example 40-001.",
    "future_date": "The date cannot be in the future.",
    "conditional": "This field is required because of your earlier answers.",
}
REQUIRED_KINDS = {
    "pesel",
    "nip",
    "regon",
    "iban",
    "postal_code",
    "future_date",
    "conditional",
    "too_many_repeats",
    "oversize_attachment",
    "disguised_attachment",
}
EXE = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAA=="


def _wrong_digit(value: str) -> str:
    return value[:-1] + str((int(value[-1]) + 1) % 10)


def _address_mutations(path, data, setter):
    if data.get("postal_code"):
        yield (
            "postal_code",
            setter({**data, "postal_code": data["postal_code"].replace("-", "")}),
            f"{path}.postal_code",
            MESSAGES["postal_code"],
        )


def mutations(definition: dict, sample: dict):
    """(kind, bad data, error path, expected message) for each bad value this form can show."""
    for spec in iter_fields(definition):
        name, ftype = spec["name"], spec["type"]
        value = sample.get(name)
        if value in (None, "", [], {}):
            continue

        def put(new, name=name):
            bad = copy.deepcopy(sample)
            bad[name] = new
            return bad

        if ftype in ("pesel", "nip", "regon", "iban"):
            yield (
                ftype,
                put(_wrong_digit(value) if ftype != "iban" else value.replace("61", "62", 1)),
                name,
                MESSAGES[ftype],
            )
        if ftype == "postal_code":
            yield "postal_code", put(value.replace("-", "")), name, MESSAGES["postal_code"]
        if ftype == "date" and spec.get("not_future"):
            yield (
                "future_date",
                put((timezone.localdate() + dt.timedelta(days=3)).isoformat()),
                name,
                MESSAGES["future_date"],
            )
        if ftype in ("person", "institution"):
            for key in ("pesel", "nip", "regon"):
                if value.get(key):
                    yield (
                        key,
                        put({**value, key: _wrong_digit(value[key])}),
                        f"{name}.{key}",
                        MESSAGES[key],
                    )
            if value.get("address"):
                yield from _address_mutations(
                    f"{name}.address",
                    value["address"],
                    lambda a, value=value, put=put: put({**value, "address": a}),
                )
        if ftype == "address":
            yield from _address_mutations(name, value, put)
        if ftype == "group":
            maximum = int(spec.get("max_items") or 1)
            yield (
                "too_many_repeats",
                put([value[0]] * (maximum + 1)),
                name,
                f"You can add at most {maximum} item{'s' if maximum > 1 else ''} here "
                f"(you added {maximum + 1}).",
            )
            for child in spec["fields"]:
                if child["type"] == "pesel" and value[0].get(child["name"]):
                    yield (
                        "pesel",
                        put([{**value[0], child["name"]: _wrong_digit(value[0][child["name"]])}]),
                        f"{name}.0.{child['name']}",
                        MESSAGES["pesel"],
                    )
        if ftype == "attachment":
            limit = int(spec.get("max_size") or 10 * 1024 * 1024)
            big = [{"name": "wielki.pdf", "content": b"%PDF-1.4\n" + b"0" * limit}]
            yield "oversize_attachment", put(big), name, None
            yield (
                "disguised_attachment",
                put([{"name": "skan.pdf", "content_base64": EXE}]),
                name,
                "The file “skan.pdf” is not what its name says: its content is a Windows program.",
            )
        if spec.get("required_if") and rules.evaluate(
            rules.compile_rule(spec["required_if"]), sample
        ):
            bad = copy.deepcopy(sample)
            del bad[name]
            yield "conditional", bad, name, MESSAGES["conditional"]


def test_at_least_twenty_real_seed_forms_with_catalogue_metadata():
    assert len(SEEDS) >= 20
    kinds = {"municipality", "city_county", "county", "voivodeship"}
    for entry in seed_catalogue():
        assert entry["deadline"] in {"immediately", "7d", "14d", "1m", "2m", "90d", "special"}
        assert set(entry["office_kinds"]) <= kinds and entry["office_kinds"]
        assert entry["fee"]["kind"] in {"none", "amount", "tariff", "computed"}
        assert (
            entry["jrwa"].isdigit()
            and entry["category"]
            and entry["life_event"]
            and entry["public_description"]
        )
    offered = {kind for entry in seed_catalogue() for kind in entry["office_kinds"]}
    assert offered == kinds
    assert {e["slug"] for e in seed_catalogue()} >= {
        "pismo-ogolne",
        "wniosek-o-zaswiadczenie",
        "informacja-publiczna",
        "skarga-wniosek",
        "deklaracja-odpady",
        "in-1",
        "zezwolenie-alkohol",
        "licencja-taxi",
        "zgloszenie-usuniecia-drzewa",
        "warunki-zabudowy",
        "wypis-wyrys-mpzp",
    }


@pytest.mark.django_db
def test_seed_command_is_idempotent():
    call_command("seed_forms")
    versions = FormVersion.objects.count()
    call_command("seed_forms")
    assert FormVersion.objects.count() == versions == len(SEEDS)
    assert FormTemplate.objects.count() == len(SEEDS)


@pytest.mark.parametrize("item", SEEDS, ids=[s["slug"] for s in SEEDS])
@pytest.mark.django_db
def test_seed_form(item):
    seed_forms(only={item["slug"]})
    version = selectors.current_version(item["slug"])
    assert version is not None and version.identifier

    # the citizen's form renders every field with its label
    with translation.override("pl"):
        html = render_to_string(
            "forms_platform/includes/step_form.html", {"form": build_step_form(version.definition)}
        )
    for spec in iter_fields(version.definition):
        assert text_of(spec["label"], "pl") in html

    # good data: valid, XSD-valid XML (checked inside build_document), parses back to the same data
    cleaned, errors = selectors.clean_data(version, item["sample_data"])
    assert errors == {}
    xml = selectors.build_document(
        version=version, data=item["sample_data"], sender=SENDER, addressee=ADDRESSEE
    )
    identifier, data = selectors.parse_document(xml)
    assert identifier == version.identifier
    assert data == cleaned
    assert item["name"] in selectors.render_html(xml)

    # each kind of bad data this form can show gets its specific message
    checked = 0
    with translation.override("en"):
        for kind, bad, path, message in mutations(version.definition, item["sample_data"]):
            errors = selectors.validate_data(version, bad)
            assert path in errors, (kind, path, errors)
            if message is None:  # oversize: the message names the size
                assert any("the limit is" in m for m in errors[path]), errors[path]
            else:
                assert message in errors[path], (kind, errors[path])
            checked += 1
    assert checked >= 2


def test_seed_forms_together_cover_every_kind_of_bad_data():
    covered = {
        kind for item in SEEDS for kind, *_ in mutations(item["definition"], item["sample_data"])
    }
    assert covered >= REQUIRED_KINDS


@pytest.mark.django_db
def test_a_plot_without_a_building_number_makes_a_valid_rendered_document():
    item = next(seed for seed in SEEDS if seed["slug"] == "warunki-zabudowy")
    seed_forms(only={item["slug"]})
    version = selectors.current_version(item["slug"])
    plot = {"postal_code": "44-100", "city": "Gliwice", "street": "Polna"}
    data = {**item["sample_data"], "AdresTerenu": plot}
    assert selectors.validate_data(version, data) == {}
    xml = selectors.build_document(version=version, data=data, sender=SENDER, addressee=ADDRESSEE)
    assert selectors.parse_document(xml)[1]["AdresTerenu"] == plot  # XSD-valid, reads back
    html = selectors.render_html(xml)
    assert "Polna" in html and "44-100 Gliwice" in html


@pytest.mark.django_db
def test_the_seed_declarations_cannot_be_answered_no():
    for item in SEEDS:
        declarations = [
            spec["name"]
            for spec in iter_fields(item["definition"])
            if text_of(spec.get("label"), "pl").startswith("Oświadczam")
        ]
        assert declarations, item["slug"]
        seed_forms(only={item["slug"]})
        version = selectors.current_version(item["slug"])
        for name in declarations:
            spec = next(s for s in iter_fields(version.definition) if s["name"] == name)
            assert spec["type"] == "declaration", (item["slug"], name)
            with translation.override("en"):
                errors = selectors.validate_data(version, {**item["sample_data"], name: False})
            assert errors[name] == ["Tick the box to confirm this statement."], item["slug"]
