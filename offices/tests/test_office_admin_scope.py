"""An office admin manages their own office only: in the Django admin and over the API."""

import pytest

from offices.models import Department, Office, StaffMembership, StaffRole
from offices.services import membership_grant
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(seeded_offices):
    return Office.objects.get(terc="2466011"), Office.objects.get(terc="2473011")


@pytest.fixture
def admin_a(offices, client):
    office_a, office_b = offices
    admin = StaffFactory(email="admin.a@example.test")
    membership_grant(actor=None, user=admin, office=office_a, role=StaffRole.OFFICE_ADMIN)
    clerk_b = StaffFactory(email="clerk.b@example.test")
    membership_grant(
        actor=None,
        user=clerk_b,
        office=office_b,
        role=StaffRole.CLERK,
        department=office_b.departments.get(symbol="OR"),
    )
    login_with_second_factor(client, admin)
    return admin


def test_admin_lists_only_own_office_rows(client, offices, admin_a):
    office_a, _ = offices
    departments = client.get("/admin/offices/department/?all=")
    staff = client.get("/admin/offices/staffmembership/")
    office_list = client.get("/admin/offices/office/")

    assert departments.status_code == staff.status_code == office_list.status_code == 200
    listed = departments.context["cl"].queryset
    assert set(listed.values_list("office_id", flat=True)) == {office_a.pk}
    assert set(staff.context["cl"].queryset.values_list("office_id", flat=True)) == {office_a.pk}
    assert list(office_list.context["cl"].queryset) == [office_a]


def test_admin_cannot_open_or_change_another_offices_department(client, offices, admin_a):
    _, office_b = offices
    department = office_b.departments.get(symbol="OR")
    url = f"/admin/offices/department/{department.pk}/change/"

    assert client.get(url).status_code == 302  # "does not exist" for this admin
    response = client.post(url, {"office": office_b.pk, "symbol": "XX", "name": "Przejęty"})

    assert response.status_code == 302
    department.refresh_from_db()
    assert (department.symbol, department.name) == ("OR", "Wydział Organizacyjny")
    delete = client.post(f"/admin/offices/department/{department.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 302 and Department.objects.filter(pk=department.pk).exists()


def test_admin_cannot_add_a_department_to_another_office(client, offices, admin_a):
    _, office_b = offices
    before = office_b.departments.count()

    response = client.post(
        "/admin/offices/department/add/", {"office": office_b.pk, "symbol": "NEW", "name": "Nowy"}
    )

    assert response.status_code == 200  # the form is shown again with an error
    assert "office" in response.context["adminform"].form.errors
    assert office_b.departments.count() == before


def test_admin_changes_own_department_and_it_is_audited(client, offices, admin_a):
    office_a, _ = offices
    department = office_a.departments.get(symbol="GK")

    response = client.post(
        f"/admin/offices/department/{department.pk}/change/",
        {
            "office": office_a.pk,
            "symbol": "GKM",
            "name": "Wydział Gospodarki Miejskiej",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    department.refresh_from_db()
    assert department.symbol == "GKM"
    entry = AuditEntry.objects.get(action="offices.department.changed")
    assert (
        entry.actor == admin_a and entry.before["symbol"] == "GK" and entry.after["symbol"] == "GKM"
    )


def test_api_refuses_another_offices_departments_and_staff(client, offices, admin_a):
    office_a, office_b = offices
    for path in ("departments", "staff"):
        assert client.get(f"/api/v1/offices/{office_b.terc}/{path}/").status_code == 403
        assert client.get(f"/api/v1/offices/{office_a.terc}/{path}/").status_code == 200
    before = office_b.departments.count()
    refused = client.post(
        f"/api/v1/offices/{office_b.terc}/departments/", {"symbol": "ZZ", "name": "Obcy"}
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert office_b.departments.count() == before


def test_api_lets_the_admin_manage_own_office(client, offices, admin_a):
    office_a, _ = offices
    response = client.post(
        f"/api/v1/offices/{office_a.terc}/departments/", {"symbol": "IT", "name": "Informatyka"}
    )
    assert response.status_code == 201, response.content
    assert office_a.departments.filter(symbol="IT").exists()
    staff = client.get(f"/api/v1/offices/{office_a.terc}/staff/").json()
    assert [m["email"] for m in staff["results"]] == ["admin.a@example.test"]


def test_api_without_second_factor_is_refused(client, offices):
    office_a, _ = offices
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=office_a, role=StaffRole.OFFICE_ADMIN)
    client.force_login(admin)
    assert client.get(f"/api/v1/offices/{office_a.terc}/staff/").status_code == 403


def test_removing_the_admin_role_removes_the_permission(offices):
    office_a, _ = offices
    admin = StaffFactory()
    membership = membership_grant(
        actor=None, user=admin, office=office_a, role=StaffRole.OFFICE_ADMIN
    )
    assert admin.has_perm("offices.manage_office", office_a)
    from offices.services import registry_delete

    superuser = StaffFactory(is_superuser=True)
    registry_delete(actor=superuser, obj=membership)
    admin = type(admin).objects.get(pk=admin.pk)  # fresh permission cache
    assert not admin.has_perm("offices.manage_office", office_a)
    assert not StaffMembership.objects.filter(pk=membership.pk).exists()


def test_service_refuses_creating_a_department_in_another_office(offices, admin_a):
    from offices.services import registry_save

    _, office_b = offices
    before = office_b.departments.count()
    with pytest.raises(NotAllowed):
        registry_save(
            actor=admin_a, obj=Department(office=office_b, symbol="ZZ", name="Obcy"), before=None
        )
    assert office_b.departments.count() == before


def test_an_expired_admin_is_refused_over_the_api_and_in_the_admin_after_the_refresh(
    client, offices, admin_a
):
    import datetime as dt

    from django.utils import timezone

    from offices.tasks import staff_privileges_refresh

    office_a, _ = offices
    assert client.get(f"/api/v1/offices/{office_a.terc}/staff/").status_code == 200
    StaffMembership.objects.filter(user=admin_a, role=StaffRole.OFFICE_ADMIN).update(
        valid_to=timezone.localdate() - dt.timedelta(days=1)
    )

    staff_privileges_refresh.delay()  # the hourly beat task

    before = office_a.departments.count()
    for path in ("departments", "staff"):
        assert client.get(f"/api/v1/offices/{office_a.terc}/{path}/").status_code == 403
    refused = client.post(
        f"/api/v1/offices/{office_a.terc}/departments/", {"symbol": "ZZ", "name": "Po terminie"}
    )
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert office_a.departments.count() == before
    department = office_a.departments.get(symbol="OR")
    admin_page = client.get(f"/admin/offices/department/{department.pk}/change/")
    listed = client.get("/admin/offices/department/?all=")
    # no longer staff either: the admin site sends them to its log-in page
    for page in (admin_page, listed):
        assert page.status_code == 302
        assert page["Location"].startswith("/admin/login/")
    entry = AuditEntry.objects.filter(action="offices.privileges.synced").latest("pk")
    assert entry.after["offices_withdrawn"] == [office_a.terc]
    assert entry.after["staff"] is False
