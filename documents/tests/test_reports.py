"""Reports: per office and department with SVG charts and CSV; the public transparency page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Case
from documents.tests.fixtures import make_service
from documents.tests.test_backoffice import clerk_of, make_case, staff_client
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db, pki_dir):
    setup = make_service(symbol="OR")
    applicant = UserFactory(first_name="Ignacy", last_name="Tajny")
    cases = [make_case(setup, applicant, n) for n in range(4)]
    today = timezone.localdate()
    now = timezone.now()
    Case.objects.filter(pk=cases[0].pk).update(deadline=today - dt.timedelta(days=2))
    Case.objects.filter(pk=cases[1].pk).update(deadline=today + dt.timedelta(days=3))
    # closed in 10 days within the deadline, and in 40 days after it
    Case.objects.filter(pk=cases[2].pk).update(
        status="closed",
        opened_at=now - dt.timedelta(days=10),
        closed_at=now,
        deadline=today + dt.timedelta(days=5),
    )
    Case.objects.filter(pk=cases[3].pk).update(
        status="closed",
        opened_at=now - dt.timedelta(days=40),
        closed_at=now,
        deadline=today - dt.timedelta(days=10),
    )
    return setup, cases


def test_office_report_counts_charts_and_csv(office, django_assert_num_queries):
    setup, _cases = office
    registry = clerk_of(setup, role="registry_clerk", department=False)
    client = staff_client(registry)
    client.get("/backoffice/raporty/")
    # session, user, OTP; scope (memberships and deputies, one statement); offices; department
    # rows; durations; services; menu: counts (its permission reads and ESP offices cached
    # since the first page)
    with django_assert_num_queries(9):
        page = client.get("/backoffice/raporty/")
    html = page.content.decode()
    assert page.status_code == 200
    row = html[html.index('<th scope="row">OR') :]
    cells = row[: row.index("</tr>")]
    assert "<td>2</td><td>1</td><td>1</td><td>25,0</td>" in cells.replace("\n", "")
    assert html.count("<svg") == 3 and 'class="bar-late"' in html
    csv = client.get("/backoffice/raporty/", {"format": "csv"}).content.decode()
    assert csv.splitlines()[1] == "OR,2,1,1,25.0"


def test_another_offices_report_is_refused(office):
    setup, _cases = office
    other = make_service(symbol="OR")
    stranger = staff_client(clerk_of(other, role="registry_clerk", department=False))
    assert stranger.get("/backoffice/raporty/", {"office": setup.office.pk}).status_code == 404
    citizen = UserFactory()
    from django.test import Client

    anonymous = Client()
    anonymous.force_login(citizen)
    assert anonymous.get("/backoffice/raporty/").status_code in (302, 403)


def test_public_transparency_page_has_figures_and_no_personal_data(client, office):
    setup, cases = office
    page = client.get(f"/urzedy/{setup.office.terc}/przejrzystosc/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<dd>2</dd>" in html and "50,0%" in html and "25,0" in html
    assert "Tajny" not in html and "Ignacy" not in html and cases[0].sign not in html
    assert client.get("/urzedy/0000000/przejrzystosc/").status_code == 404
