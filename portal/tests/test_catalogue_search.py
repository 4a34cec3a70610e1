"""The catalogue as a newcomer uses it: Polish word forms, everyday words, places; and no
editor's notes on public pages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape

from offices.catalogue import catalogue_entries, fee_fields
from offices.fees import fee_due
from offices.models import Office, Service
from offices.tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db

GLIWICE = "2466011"


def found(client, q: str, **params) -> list[dict]:
    """Every service the API finds for ``q`` (all pages)."""
    page = client.get("/api/v1/services/", {"q": q, **params}).json()
    results = list(page["results"])
    while page["next"]:
        page = client.get(page["next"]).json()
        results += page["results"]
    assert len(results) == page["count"]
    return results


def forms(results: list[dict]) -> set[str]:
    return {s["form"] for s in results}


def test_word_forms_synonyms_and_places_find_the_relevant_services(client, full_catalogue):
    offering = {
        slug: Service.objects.filter(form_template__slug=slug).count()
        for slug in ("warunki-zabudowy", "zameldowanie", "odpis-aktu-stanu-cywilnego")
    }
    budowa, budowe = found(client, "budowa"), found(client, "budowę")
    assert len(budowa) == len(budowe) > 0
    assert "warunki-zabudowy" in forms(budowe)

    permit = found(client, "pozwolenie na budowę")
    assert forms(permit) == {"warunki-zabudowy", "wypis-wyrys-mpzp"}
    assert len(permit) == offering["warunki-zabudowy"] * 2

    for q in ("meldunek", "meldunku", "zameldować się"):
        assert "zameldowanie" in forms(found(client, q)), q
    identity = found(client, "dowód osobisty")
    assert {"zameldowanie", "wniosek-o-zaswiadczenie"} <= forms(identity)
    assert all(s["category"] == "Ewidencja ludności" for s in identity)

    wedding = found(client, "ślub")
    assert forms(wedding) == {"odpis-aktu-stanu-cywilnego"}
    assert len(wedding) == offering["odpis-aktu-stanu-cywilnego"]

    for q in ("wycinka", "wycinka drzew", "wycinki"):
        assert forms(found(client, q)) == {
            "zgloszenie-usuniecia-drzewa",
            "zezwolenie-usuniecie-drzew",
        }, q

    in_gliwice = found(client, "Gliwice")
    assert {s["id"] for s in found(client, "", office=GLIWICE)} <= {s["id"] for s in in_gliwice}
    offices = {s["office"] for s in in_gliwice}
    assert GLIWICE in offices
    assert found(client, "Gliwicach", office=GLIWICE) == found(client, "", office=GLIWICE)
    # a word and a place together: the USC copy at Gliwice only
    assert {(s["office"], s["form"]) for s in found(client, "ślub Gliwice")} >= {
        (GLIWICE, "odpis-aktu-stanu-cywilnego")
    }
    assert all(s["form"] == "odpis-aktu-stanu-cywilnego" for s in found(client, "ślub Gliwice"))


def test_results_are_grouped_by_life_event_and_form_with_the_offices_within(client, full_catalogue):
    html = client.get("/uslugi/", {"q": "wycinka"}).content.decode()
    assert "Znaleziono 2 usługi" in html
    assert '<h2 id="event-1">Budowa i remont</h2>' in html
    assert '<h2 id="event-2">Dom i ogród</h2>' in html
    assert html.count('<h3 class="result-title">') == 2
    gliwice = Service.objects.get(office__terc=GLIWICE, form_template__slug="zameldowanie")
    html = client.get("/uslugi/", {"q": "meldunek", "urzad": GLIWICE}).content.decode()
    assert f'<a href="/uslugi/{gliwice.pk}/">{gliwice.title}</a>' in html


def test_each_office_of_a_form_links_to_its_service_page(client, full_catalogue):
    """The offices of a form are listed as links made without a ``{% url %}`` each: every
    office offering it, in the order of their names, escaped, to its own service page."""
    html = client.get("/uslugi/", {"q": "wycinka"}).content.decode()
    offers = Service.objects.filter(
        form_template__slug="zgloszenie-usuniecia-drzewa", is_active=True
    ).select_related("office")
    assert offers.count() > 1
    items = "".join(
        f'<li><a href="/uslugi/{s.pk}/">{escape(s.office.name)}</a></li>'
        for s in sorted(offers, key=lambda s: s.office.name)
    )
    assert f'<ul class="offices">{items}</ul>' in html
    Office.objects.filter(pk=offers[0].office_id).update(name='Urząd <b>"Próbny"</b> & Co')
    html = client.get("/uslugi/", {"q": "wycinka"}).content.decode()
    assert "Urząd &lt;b&gt;&quot;Próbny&quot;&lt;/b&gt; &amp; Co</a></li>" in html
    assert "<b>" not in html


def test_searches_whose_answer_lies_elsewhere_say_so(client, full_catalogue):
    html = client.get("/uslugi/", {"q": "dowód osobisty"}).content.decode()
    assert "Wniosek o dowód osobisty składa się osobiście w urzędzie gminy albo przez gov" in html
    html = client.get("/uslugi/", {"q": "pozwolenie na budowę"}).content.decode()
    assert "Pozwolenie na budowę wydaje starosta albo prezydent miasta na prawach powiatu" in html


def test_no_results_page_helps(client, full_catalogue):
    html = client.get("/uslugi/", {"q": "xyzzy"}).content.decode()
    assert "Znaleziono 0 usług" in html
    assert "Nic nie znaleziono" in html
    assert "Możesz szukać po nazwie lub miejscowości urzędu" in html
    assert 'href="?q=pismo+og%C3%B3lne"' in html
    assert found(client, "pismo ogólne")  # the help's link leads somewhere


def test_editor_notes_never_reach_a_public_page(client, full_catalogue):
    services = list(Service.objects.filter(office__terc__in=[GLIWICE, "2403122", "2403", "24"]))
    notes = {s.editor_note for s in services if s.editor_note}
    assert len(notes) >= 6  # the notes exist, so not finding them below means something
    pages = [client.get("/uslugi/").content.decode()]
    pages += [client.get(f"/uslugi/{s.pk}/").content.decode() for s in services]
    pages += [client.get(f"/api/v1/services/{s.pk}/").content.decode() for s in services]
    for html in pages:
        for marker in ("[R]", "[C]", "do weryfikacji", "do potwierdzenia", "do sprawdzenia"):
            assert marker not in html
        for note in notes:
            assert note not in html


def test_english_pages_show_service_names_descriptions_and_labels_in_english(
    en_client, full_catalogue
):
    service = Service.objects.get(office__terc=GLIWICE, form_template__slug="warunki-zabudowy")
    html = en_client.get(f"/uslugi/{service.pk}/").content.decode()
    assert (
        "<h1>Application for a decision on development conditions (warunki zabudowy)</h1>" in html
    )
    assert "Stamp duty PLN 598; the owner and the perpetual usufructuary" in html
    assert service.title not in html and service.description not in html
    assert "(90 days from the application; 21 days for a single-family house" in html
    assert "<li>decision on development conditions: 598,00 zł</li>" in html
    assert "<li>an application by the owner or perpetual usufructuary of the land" in html
    assert service.deadline_note not in html
    html = en_client.get("/uslugi/", {"q": "wycinka"}).content.decode()
    assert '<h2 id="event-1">Building and renovation</h2>' in html
    assert "Application for a permit to remove trees or shrubs" in html
    assert "Wniosek o zezwolenie na usunięcie drzew" not in html
    assert '<option value="Budowa i remont">Building and renovation</option>' in html
    detail = en_client.get(f"/api/v1/services/{service.pk}/").json()
    assert detail["translations"]["uk"]["title"] == "Заява про рішення щодо умов забудови"
    assert detail["fee_exemptions"][0]["applies_if"] == 'TytulPrawny in ["wlasnosc", "uzytkowanie"]'
    assert "editor_note" not in detail
    # English words find the service too (the translations are indexed)
    assert "warunki-zabudowy" in forms(found(en_client, "development conditions"))


def test_polish_pages_keep_the_polish_texts(client, full_catalogue):
    service = Service.objects.get(office__terc=GLIWICE, form_template__slug="warunki-zabudowy")
    html = client.get(f"/uslugi/{service.pk}/").content.decode()
    assert f"<h1>{service.title}</h1>" in html and "Application for" not in html


def test_the_fee_statement_of_an_application_applies_the_wz_exemption():
    entry = next(e for e in catalogue_entries() if e.slug == "warunki-zabudowy")
    office = OfficeFactory(fee_iban="")
    service = Service(
        office=office, title=entry.title, translations=entry.translations, **fee_fields(entry.fee)
    )
    owner = fee_due(service=service, data={"TytulPrawny": "wlasnosc"})
    label = "wniosek właściciela albo użytkownika wieczystego terenu, którego dotyczy decyzja"
    assert (owner.is_due, owner.items, owner.exemption) == (False, (), label)
    tenant = fee_due(service=service, data={"TytulPrawny": "brak"})
    assert (tenant.is_due, tenant.single_amount, tenant.exemption) == (True, 59800, "")
    assert fee_due(service=service).single_amount == 59800  # without the application's data
    page = Template("{% load fees %}{% fee_statement service data=data %}")
    with translation.override("pl"):
        html = page.render(Context({"service": service, "data": {"TytulPrawny": "uzytkowanie"}}))
        assert f"Opłata nie jest należna: {label}." in html and "598,00" not in html
        html = page.render(Context({"service": service, "data": {"TytulPrawny": "inny"}}))
        assert "598,00 zł" in html
    with translation.override("en"):
        html = page.render(Context({"service": service, "data": {"TytulPrawny": "wlasnosc"}}))
        assert "No fee is due: an application by the owner or perpetual usufructuary" in html
