"""The service catalogue: real forms offered by the office kinds that handle them."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F

from offices.catalogue import catalogue_entries, catalogue_seed
from offices.jrwa import case_class
from offices.models import Office, Service
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def forms_at(terc: str) -> set[str]:
    return set(
        Service.objects.filter(office__terc=terc).values_list("form_template__slug", flat=True)
    )


def test_at_least_twenty_real_services_are_seeded(full_catalogue):
    slugs = set(Service.objects.values_list("form_template__slug", flat=True))
    assert len(slugs) >= 20
    assert len(catalogue_entries()) == len(slugs)
    assert catalogue_seed() == 0  # idempotent


def test_services_follow_the_kinds_of_office(full_catalogue):
    gmina, county, city, region = "2403122", "2403", "2466011", "24"
    assert {"deklaracja-odpady", "in-1", "zezwolenie-alkohol", "licencja-taxi"} <= forms_at(gmina)
    assert "rejestracja-pojazdu" not in forms_at(gmina)
    assert "rejestracja-pojazdu" in forms_at(county) and "in-1" not in forms_at(county)
    assert {"rejestracja-pojazdu", "in-1"} <= forms_at(city)  # a city has both
    assert forms_at(region) >= {"zezwolenie-hurt-alkohol", "pismo-ogolne"}
    assert "zezwolenie-hurt-alkohol" not in forms_at(city)


def test_each_service_is_routed_to_a_department_of_its_own_office(full_catalogue):
    stray = Service.objects.exclude(department__office=F("office"))
    assert not stray.exists()
    taxi = Service.objects.get(office__terc="2466011", form_template__slug="licencja-taxi")
    assert (taxi.department.symbol, taxi.jrwa_symbol, taxi.deadline_rule) == ("DG", "7350", "1m")
    assert taxi.fee_kind == "tariff" and taxi.fee_from_grosze == 20000
    certificate = Service.objects.get(
        office__terc="2466011", form_template__slug="wniosek-o-zaswiadczenie"
    )
    assert certificate.fee_items == [
        {"label": "zaświadczenie", "amount_grosze": 1700, "tariff": "II.21"}
    ]
    assert (certificate.department.symbol, certificate.jrwa_symbol) == ("SO", "5340")
    wz = Service.objects.get(office__terc="2466011", form_template__slug="warunki-zabudowy")
    assert (wz.deadline_rule, wz.fee_from_grosze) == ("90d", 59800)
    assert wz.fee_exemptions[0]["applies_if"] == 'TytulPrawny in ["wlasnosc", "uzytkowanie"]'
    assert "do weryfikacji" not in wz.fee_note and "budownictwa" not in wz.fee_note
    assert wz.editor_note.startswith("Zwolnienie: od 24.07.2020")


def test_every_offered_service_has_a_leaf_class_of_its_office_kind(full_catalogue):
    services = list(Service.objects.select_related("office"))
    assert len(services) > 500
    for service in services:
        found = case_class(office_kind=service.office.kind, symbol=service.jrwa_symbol)
        assert found is not None, (service.office.terc, service.title, service.jrwa_symbol)


def test_refresh_brings_services_seeded_earlier_up_to_the_corrected_seed(full_catalogue):
    wz = Service.objects.get(office__terc="2466011", form_template__slug="warunki-zabudowy")
    Service.objects.filter(pk=wz.pk).update(
        deadline_rule="2m", fee_items=[{"label": "x", "amount_grosze": 10700}], fee_note="[R]"
    )
    assert catalogue_seed() == 0  # without refresh nothing already offered changes
    wz.refresh_from_db()
    assert wz.deadline_rule == "2m"
    assert catalogue_seed(refresh=True) == 1
    wz.refresh_from_db()
    assert (wz.deadline_rule, wz.fee_from_grosze, wz.fee_note) == ("90d", 59800, "")
    entry = AuditEntry.objects.filter(action="offices.catalogue.seeded").latest("pk")
    assert entry.after == {"created": 0, "changed": 1}
    assert catalogue_seed(refresh=True) == 0


def test_api_searches_the_catalogue_without_diacritics(client, full_catalogue):
    by_office = client.get("/api/v1/services/", {"office": "2403122", "q": "zezwolenie alkohol"})
    titles = [s["title"] for s in by_office.json()["results"]]
    assert "Wniosek o zezwolenie na sprzedaż napojów alkoholowych" in titles
    assert all("alkohol" in t.lower() for t in titles)

    plain = client.get("/api/v1/services/", {"office": "2466011", "q": "zgloszenie"}).json()
    polish = client.get("/api/v1/services/", {"office": "2466011", "q": "ZGŁOSZENIE"}).json()
    assert plain["count"] == polish["count"] > 0
    found = client.get("/api/v1/services/", {"office": "2466011", "q": "drzew"}).json()
    assert {s["form"] for s in found["results"]} == {
        "zgloszenie-usuniecia-drzewa",
        "zezwolenie-usuniecie-drzew",
    }
    first = found["results"][0]
    assert first["office"] == "2466011" and first["form_version"] == 1
    assert first["department"] == "OS"
    detail = client.get(f"/api/v1/services/{first['id']}/").json()
    assert detail["title"] == first["title"]


def test_service_validation_explains_each_problem(english):
    office = Office(pk=1)
    service = Service(
        office=office,
        jrwa_symbol="73A",
        fee_kind="tariff",
        fee_items=[{"label": "x", "amount_grosze": 1.5}],
    )
    with pytest.raises(ValidationError) as caught:
        service.clean()
    assert set(caught.value.message_dict) == {"jrwa_symbol", "fee_items"}


def test_catalogue_api_query_count_does_not_grow_with_rows(
    client, full_catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):  # count, page, current form versions
        page = client.get("/api/v1/services/", {"office": "2466011"}).json()
    assert len(page["results"]) > 20
    assert all(s["form_version"] == 1 for s in page["results"])
