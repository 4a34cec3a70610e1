"""The offices' configuration problems: each kind detected, each with its fix link, the page
refused to people who do not administer the office, and its query count pinned."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certauth.models import Certificate
from certauth.services import seals
from certauth.tests.fixtures import ca, pki_dir  # noqa: F401
from documents.selectors.office_problems import office_problems
from documents.tests.fixtures import clerk_of, make_service
from offices.models import Service, StaffRole
from offices.services import membership_grant
from offices.tests.factories import DepartmentFactory, OfficeFactory
from payments.models import FeeAccount, FeeRule, TariffItem
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


def configured_office(n: int):
    """An office with nothing wrong: a staffed department, its service routed there, both
    fee accounts."""
    setup = make_service(office=OfficeFactory(), slug="wniosek-testowy")
    clerk_of(setup)
    for fee_type in ("stamp_duty", "office_fee"):
        FeeAccount.objects.create(
            office=setup.office,
            fee_type=fee_type,
            holder="Gmina",
            iban="PL61109010140000071219812874",
            collection_prefix="12",
        )
    return setup


@pytest.fixture
def broken():
    setup = make_service(office=OfficeFactory(terc="2466011", kind="city_county", gmina_type=""))
    clerk_of(setup)
    closed = DepartmentFactory(
        office=setup.office, symbol="ZL", name="Zlikwidowany", is_active=False
    )
    orphan = setup.service
    Service.objects.filter(pk=orphan.pk).update(
        department=closed,
        title="Usługa bez wydziału",
        fee_kind="tariff",
        fee_items=[{"label": "opłata", "amount_grosze": 1000}],
    )
    TariffItem.objects.create(
        code="T.1",
        fee_type="office_fee",
        subject="Opłata testowa",
        legal_basis="art. 1",
        amount_grosze=1000,
        valid_from=dt.date(2020, 1, 1),
    )
    TariffItem.objects.create(
        code="IV.1",
        fee_type="stamp_duty",
        subject="Pełnomocnictwo",
        legal_basis="art. 2",
        amount_grosze=1700,
        valid_from=dt.date(2020, 1, 1),
    )
    FeeRule.objects.create(service=orphan, lines=[{"kind": "item", "item": "T.1"}])
    FeeAccount.objects.create(
        office=setup.office,
        fee_type="stamp_duty",
        holder="Gmina Gliwice",
        iban="PL61109010140000071219812874",
        collection_prefix="12",
    )
    empty = DepartmentFactory(office=setup.office, symbol="GK", name="Geodezja")
    leaver = clerk_of(setup)
    leaver.memberships.update(department=empty)
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    return setup, orphan, empty


def test_each_problem_is_found_with_where_to_fix_it(broken, ca):  # noqa: F811
    setup, orphan, _empty = broken
    seals.forget_cached_seals()
    seals.office_seal(terc=setup.office.terc, name=setup.office.name)
    seal = seals.seal_certificate(terc=setup.office.terc)
    soon = timezone.now() + dt.timedelta(days=10)
    Certificate.objects.filter(pk=seal.pk).update(not_after=soon)

    [row] = office_problems(offices=[setup.office])
    found = [(p.kind, p.subject, p.fix_url) for p in row.problems]
    assert found == [
        (
            "service_without_department",
            "Usługa bez wydziału",
            f"/admin/offices/service/{orphan.pk}/change/",
        ),
        ("department_without_clerks", "GK – Geodezja", "/backoffice/kadry/import/"),
        ("fee_account", "opłata urzędowa", "/admin/payments/feeaccount/add/"),
        ("seal", f"{timezone.localtime(soon):%d.%m.%Y %H:%M}", "/backoffice/pki/nowy/"),
    ]


def test_a_seal_renewed_in_time_clears_the_warning(broken, ca):  # noqa: F811
    setup, _orphan, _empty = broken
    seals.forget_cached_seals()
    seals.office_seal(terc=setup.office.terc, name=setup.office.name)
    seal = seals.seal_certificate(terc=setup.office.terc)
    Certificate.objects.filter(pk=seal.pk).update(not_after=timezone.now() + dt.timedelta(days=40))
    [row] = office_problems(offices=[setup.office])
    assert "seal" not in {p.kind for p in row.problems}


def test_page_is_for_cpd_and_the_offices_admins_only(client, broken):
    setup, _orphan, _empty = broken
    clerk = clerk_of(setup)
    login_with_second_factor(client, clerk)
    assert client.get("/backoffice/urzedy/problemy/").status_code == 403
    assert client.get("/backoffice/urzedy/2466011/problemy/").status_code == 403
    client.logout()
    other = OfficeFactory()
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=other, role=StaffRole.OFFICE_ADMIN)
    login_with_second_factor(client, admin)
    assert client.get("/backoffice/urzedy/2466011/problemy/").status_code == 403
    page = client.get("/backoffice/urzedy/problemy/").content.decode()
    assert "Usługa bez wydziału" not in page  # not their office


def test_overview_query_count_does_not_grow_with_offices(
    client, broken, django_assert_max_num_queries
):
    _setup, _orphan, _empty = broken
    cpd = OfficeFactory(terc="24", kind="voivodeship", gmina_type="")
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=cpd, role=StaffRole.CPD_ADMIN)
    login_with_second_factor(client, admin)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/backoffice/urzedy/problemy/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Usługa bez wydziału" in page
    assert 'href="/admin/payments/feeaccount/add/"' in page
    for n in range(3):
        configured_office(n)
    for _n in range(3):
        OfficeFactory()
    with CaptureQueriesContext(connection) as many:
        client.get("/backoffice/urzedy/problemy/")
    assert len(many) == len(few)
    # session, user, second factor, memberships for the menu and the page, offices, 7 problems
    assert len(few) == 14, [q["sql"][:120] for q in few.captured_queries]


def test_the_problems_of_any_number_of_offices_cost_seven_queries(
    broken, django_assert_num_queries
):
    setup, _orphan, _empty = broken
    offices = [setup.office] + [configured_office(n).office for n in range(3)]
    with django_assert_num_queries(7):
        rows = office_problems(offices=offices)
    assert [len(row.problems) for row in rows] == [3, 0, 0, 0]
