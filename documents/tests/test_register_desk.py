"""The register desk: paper letters with labels and scans, the register of a period, refusals."""

from __future__ import annotations

import csv
import io

import pytest
import zxingcpp
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from documents.models import CaseEvent, CaseParty, Correspondent, RegisterEntry, RegisterScan
from documents.services.register import (
    CorrespondentDetails,
    correspondent_find_or_create,
    paper_register,
)
from documents.tests.fixtures import make_service
from documents.tests.labels_raster import png_of, rasterise
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import UserFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from tests.support import EICAR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("store_outside_transactions")]

LETTER = {
    "kind": "person",
    "first_name": "Zofia",
    "last_name": "Łęcka",
    "street": "Długa 1",
    "postal_code": "44-100",
    "city": "Gliwice",
    "title": "Wniosek o wycinkę drzewa",
    "channel": "post",
    "sender_reference": "",
    "attachments_count": "",
}


def registry(setup, client: Client):
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    login_with_second_factor(client, clerk)
    return clerk


def base(setup) -> str:
    return f"/backoffice/rejestr/{setup.office.terc}"


def register_letter(client, setup, **extra):
    data = {**LETTER, "department": setup.department.pk, **extra}
    return client.post(f"{base(setup)}/papier/", data)


def test_paper_letter_label_scan_and_case(client, setup):
    clerk = registry(setup, client)
    response = register_letter(client, setup)
    entry = RegisterEntry.objects.get()
    assert response.status_code == 302 and response.url == f"{base(setup)}/pozycje/{entry.pk}/"
    year = timezone.localdate().year
    assert (entry.rpw, entry.channel, entry.submission, entry.registered_by) == (
        f"RPW/1/{year}",
        "post",
        None,
        clerk,
    )
    assert entry.correspondent.display_name == "Zofia Łęcka"
    assert entry.correspondent.account is None
    page = client.get(f"{base(setup)}/pozycje/{entry.pk}/").content.decode()
    assert "brak danych" in page  # no sender's reference, no date on the letter

    label = client.get(f"{base(setup)}/pozycje/{entry.pk}/etykieta.pdf")
    assert label["Content-Type"] == "application/pdf" and label.content.startswith(b"%PDF-1.4")
    assert b"/MediaBox [0 0 175.748 82.205]" in label.content  # 62 x 29 mm
    image = rasterise(label.content)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [entry.rpw]
    a4 = client.get(f"{base(setup)}/pozycje/{entry.pk}/etykieta.pdf?uklad=a4")
    assert b"/MediaBox [0 0 595.276 841.890]" in a4.content
    assert [r.text for r in zxingcpp.read_barcodes(rasterise(a4.content))] == [entry.rpw]

    upload = io.BytesIO(png_of(rasterise(a4.content, dpi=150)))
    upload.name = "skan.png"
    response = client.post(f"{base(setup)}/skany/", {"scan": upload})
    assert response.status_code == 302 and response.url == f"{base(setup)}/pozycje/{entry.pk}/"
    scan = RegisterScan.objects.get()
    assert (scan.entry, scan.barcode, scan.content_type) == (entry, entry.rpw, "image/png")

    response = client.post(
        f"{base(setup)}/pozycje/{entry.pk}/", {"action": "open", "service": setup.service.pk}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    case = entry.case
    assert case.sign == f"OR.1431.1.{year}" and case.applicant is None
    party = CaseParty.objects.get(case=case)
    assert (party.correspondent, party.role) == (entry.correspondent, "applicant")
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "received",
        "opened",
        "party_added",
    ]
    # the case page of the department's clerk shows the party and the paper item
    other = Client()
    login_with_second_factor(other, clerk_of(setup))
    html = other.get(f"/backoffice/sprawy/{case.pk}/").content.decode()
    assert "Zofia Łęcka" in html and entry.rpw in html


def test_chosen_sender_is_reused_and_numbers_follow(client, setup):
    registry(setup, client)
    register_letter(client, setup)
    who = Correspondent.objects.get()
    found = client.get(f"{base(setup)}/papier/", {"q": "lecka"}).content.decode()
    assert f"?korespondent={who.pk}" in found
    data = client.get(f"{base(setup)}/korespondenci/", {"q": "łęc"}).json()
    assert data == {
        "results": [
            {"id": who.pk, "name": "Zofia Łęcka", "address": "Długa 1, 44-100 Gliwice", "pesel": ""}
        ]
    }
    response = client.post(
        f"{base(setup)}/papier/",
        {
            "correspondent": who.pk,
            "title": "Uzupełnienie",
            "channel": "in_person",
            "department": setup.department.pk,
            "attachments_count": "2",
            "attachments_kind": "zdjęcia",
        },
    )
    assert response.status_code == 302
    assert Correspondent.objects.count() == 1
    year = timezone.localdate().year
    assert list(RegisterEntry.objects.values_list("number", "correspondent", "channel")) == [
        (1, who.pk, "post"),
        (2, who.pk, "in_person"),
    ]
    assert RegisterEntry.objects.get(number=2).rpw == f"RPW/2/{year}"


def test_invalid_sender_shows_the_error_and_registers_nothing(client, setup):
    registry(setup, client)
    response = register_letter(client, setup, pesel="44051401358")
    assert response.status_code == 200
    assert "PESEL 44051401358" in response.content.decode()
    response = register_letter(client, setup, last_name="")
    assert 'href="#id_last_name"' in response.content.decode()
    assert RegisterEntry.objects.count() == 0 and Correspondent.objects.count() == 0


def test_unreadable_scan_waits_and_is_assigned_by_hand(client, setup):
    clerk = registry(setup, client)
    register_letter(client, setup)
    entry = RegisterEntry.objects.get()
    blank = io.BytesIO()
    Image.new("L", (400, 300), 255).save(blank, "JPEG")
    blank.seek(0)
    blank.name = "bez-etykiety.jpg"
    response = client.post(f"{base(setup)}/skany/", {"scan": blank})
    assert response.status_code == 302 and response.url == f"{base(setup)}/skany/"
    scan = RegisterScan.objects.get()
    assert scan.entry is None
    page = client.get(f"{base(setup)}/skany/").content.decode()
    assert "bez-etykiety.jpg" in page
    # a wrong number changes nothing; the right one attaches it
    client.post(f"{base(setup)}/skany/{scan.pk}/przypisz/", {"rpw": "RPW/99/2000"})
    scan.refresh_from_db()
    assert scan.entry is None
    client.post(f"{base(setup)}/skany/{scan.pk}/przypisz/", {"rpw": entry.rpw})
    scan.refresh_from_db()
    assert (scan.entry, scan.attached_by) == (entry, clerk)
    assert AuditEntry.objects.filter(action="documents.scan_attached").count() == 1
    assert "bez-etykiety.jpg" not in client.get(f"{base(setup)}/skany/").content.decode()


def test_a_file_that_is_no_scan_is_refused(client, setup):
    registry(setup, client)
    fake = io.BytesIO(b"<html>not a scan</html>")
    fake.name = "skan.pdf"
    response = client.post(f"{base(setup)}/skany/", {"scan": fake})
    assert response.status_code == 200
    assert "PDF, PNG, JPEG" in response.content.decode()
    assert RegisterScan.objects.count() == 0


def test_item_joins_an_open_case_of_the_same_office_only(client, setup):
    registry(setup, client)
    case = make_case(setup, UserFactory(), 1)
    other = make_service(symbol="GK")
    foreign = make_case(other, UserFactory(), 2)
    register_letter(client, setup)
    entry = RegisterEntry.objects.get(submission__isnull=True)
    client.post(f"{base(setup)}/pozycje/{entry.pk}/", {"action": "join", "sign": foreign.sign})
    entry.refresh_from_db()
    assert entry.case is None  # another office's case: "no case with this sign"
    client.post(f"{base(setup)}/pozycje/{entry.pk}/", {"action": "join", "sign": case.sign})
    entry.refresh_from_db()
    assert entry.case == case
    event = CaseEvent.objects.filter(case=case, action="item_joined").get()
    assert event.description == f"W sprawie zarejestrowano pismo od: Zofia Łęcka ({entry.rpw})."


def test_register_of_a_period_page_and_csv(client, setup, django_assert_num_queries):
    clerk = registry(setup, client)
    who = correspondent_find_or_create(
        office=setup.office, details=CorrespondentDetails(last_name="Nowak"), actor=clerk
    )
    paper_register(
        office=setup.office,
        clerk=clerk,
        correspondent=who,
        department=setup.department,
        title="Pismo 1",
        channel="post",
    )
    url = f"{base(setup)}/"
    client.get(url)  # warm the session and the translation catalogues
    with CaptureQueriesContext(connection) as one:
        page = client.get(url)
    assert "Pismo 1" in page.content.decode()
    make_case(setup, UserFactory(), 1)  # an e-filing joins the same register
    for n in range(2, 6):
        paper_register(
            office=setup.office,
            clerk=clerk,
            correspondent=who,
            department=setup.department,
            title=f"Pismo {n}",
            channel="in_person",
            sender_reference=f"ZN/{n}",
        )
    with django_assert_num_queries(len(one)):
        page = client.get(url)
    html = page.content.decode()
    assert html.count("<tr>") == 7  # the header and six items
    rows = list(
        csv.reader(io.StringIO(client.get(url, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    assert rows[0][0] == "Numer RPW"
    assert [row[0].split("/")[1] for row in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    assert rows[1][3:7] == ["Nowak", "brak danych", "brak danych", "brak danych"]
    assert rows[2][2] == "API"
    assert rows[3][5] == "ZN/2"


def test_unmatched_scans_page_query_count(client, setup, django_assert_num_queries):
    clerk = registry(setup, client)

    def unmatched(n):
        RegisterScan.objects.create(
            office=setup.office,
            filename=f"s{n}.png",
            content_type="image/png",
            content=b"x",
            sha256="0" * 64,
            size=1,
            uploaded_at=timezone.now(),
            uploaded_by=clerk if n % 2 else UserFactory(),
        )

    unmatched(1)
    url = f"{base(setup)}/skany/"
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(2, 7):
        unmatched(n)
    with django_assert_num_queries(len(one)):
        html = client.get(url).content.decode()
    assert html.count("przypisz/") == 6


@pytest.mark.parametrize("who", ["clerk", "other_registry", "citizen"])
def test_only_the_offices_registry_clerks_use_the_register(client, setup, who):
    owner = Client()
    keeper = registry(setup, owner)
    register_letter(owner, setup)
    entry = RegisterEntry.objects.get()
    blank = io.BytesIO()
    Image.new("L", (50, 50), 255).save(blank, "PNG")
    scan = RegisterScan.objects.create(
        office=setup.office,
        filename="s.png",
        content_type="image/png",
        content=blank.getvalue(),
        sha256="0" * 64,
        size=1,
        uploaded_at=timezone.now(),
        uploaded_by=keeper,
    )
    if who == "clerk":  # a case clerk of the same office
        login_with_second_factor(client, clerk_of(setup))
        refused = 404
    elif who == "other_registry":
        other = make_service(symbol="OR")
        login_with_second_factor(client, clerk_of(other, role="registry_clerk", department=False))
        refused = 404
    else:
        client.force_login(UserFactory())
        refused = 403
    for url in (
        f"{base(setup)}/",
        f"{base(setup)}/?format=csv",
        f"{base(setup)}/papier/",
        f"{base(setup)}/korespondenci/?q=lecka",
        f"{base(setup)}/pozycje/{entry.pk}/",
        f"{base(setup)}/pozycje/{entry.pk}/etykieta.pdf",
        f"{base(setup)}/skany/",
        f"{base(setup)}/skany/{scan.pk}/",
    ):
        assert client.get(url).status_code == refused, url
    assert register_letter(client, setup).status_code == refused
    response = client.post(f"{base(setup)}/skany/{scan.pk}/przypisz/", {"rpw": entry.rpw})
    assert response.status_code == refused
    response = client.post(
        f"{base(setup)}/pozycje/{entry.pk}/", {"action": "open", "service": setup.service.pk}
    )
    assert response.status_code == refused
    assert RegisterEntry.objects.count() == 1
    scan.refresh_from_db()
    entry.refresh_from_db()
    assert scan.entry is None and entry.case is None


def _blank_jpeg(name: str) -> io.BytesIO:
    blank = io.BytesIO()
    Image.new("L", (400, 300), 255).save(blank, "JPEG")
    blank.seek(0)
    blank.name = name
    return blank


def test_an_infected_scan_is_refused_audited_and_the_accepted_ones_stay(
    client, setup, clamd_running
):
    """A real clamd (CI's second pass starts one with EICAR signatures, .ci/start-clamd)."""
    clerk = registry(setup, client)
    client.post(f"{base(setup)}/skany/", {"scan": _blank_jpeg("dobry.jpg")})
    accepted = RegisterScan.objects.get()
    infected = io.BytesIO(EICAR)
    infected.name = "skan.pdf"
    response = client.post(f"{base(setup)}/skany/", {"scan": infected})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Skan „skan.pdf” zawiera wirusa" in page and 'href="#id_scan"' in page
    assert list(RegisterScan.objects.all()) == [accepted]  # nothing stored, nothing lost
    assert "dobry.jpg" in page  # the unmatched list still shows the accepted scan
    refusal = AuditEntry.objects.get(action="documents.scan_refused")
    assert refusal.actor_id == clerk.pk
    assert refusal.after["reason"] == "antivirus.malware_found"
    assert refusal.after["filename"] == "skan.pdf"
    english = client.post(
        f"{base(setup)}/skany/", {"scan": io.BytesIO(EICAR)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "contains a virus or other malware and was not accepted" in english.content.decode()


def test_a_scan_is_refused_while_clamd_does_not_answer(client, setup, settings):
    registry(setup, client)
    settings.CLAMD_SOCKET = "/nonexistent/clamd.sock"
    response = client.post(f"{base(setup)}/skany/", {"scan": _blank_jpeg("skan.jpg")})
    assert response.status_code == 200
    assert "Nie można teraz sprawdzić plików" in response.content.decode()
    assert RegisterScan.objects.count() == 0
    refusal = AuditEntry.objects.get(action="documents.scan_refused")
    assert refusal.after["reason"] == "antivirus.unavailable"


def test_label_is_one_query_and_only_for_the_entries_of_the_clerks_office(
    client, setup, django_assert_num_queries
):
    registry(setup, client)
    register_letter(client, setup)
    entry = RegisterEntry.objects.get()
    other = make_service(symbol="OR")
    stranger = Client()
    registry(other, stranger)
    register_letter(stranger, other)
    theirs = RegisterEntry.objects.get(office=other.office)
    url = f"{base(setup)}/pozycje/{entry.pk}/etykieta.pdf"
    client.get(url)
    # the session, its user, the user's second factor, then the entry with its office
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200
    assert client.get(f"{base(setup)}/pozycje/{theirs.pk}/etykieta.pdf").status_code == 404
    assert client.get(f"{base(other)}/pozycje/{entry.pk}/etykieta.pdf").status_code == 404
    assert client.get(f"{url}?uklad=a3").status_code == 404
