"""Only CPD administrators grant the CA operator and CPD roles (issue 10, item 1)."""

import pytest

from offices.errors import CpdRoleOutsideCpd, RoleNotAllowed
from offices.models import Office, StaffMembership, StaffRole
from offices.pki import OfficesRaPolicy
from offices.services import (
    membership_grant,
    registry_delete,
    registry_save,
)
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_a(seeded_offices):
    return Office.objects.get(terc="2466011")


@pytest.fixture
def office_admin(office_a):
    admin = StaffFactory(email="admin.a@example.test")
    membership_grant(actor=None, user=admin, office=office_a, role=StaffRole.OFFICE_ADMIN)
    return admin


@pytest.mark.parametrize("role", [StaffRole.CA_OPERATOR, StaffRole.CPD_ADMIN])
def test_office_admin_cannot_grant_ca_or_cpd_roles_on_the_staff_screen(
    client, office_a, office_admin, role
):
    login_with_second_factor(client, office_admin)
    form = client.get("/admin/offices/staffmembership/add/").context["adminform"].form
    offered = [value for value, _label in form.fields["role"].choices]
    assert StaffRole.CLERK in offered
    assert StaffRole.CA_OPERATOR not in offered and StaffRole.CPD_ADMIN not in offered

    response = client.post(
        "/admin/offices/staffmembership/add/",
        {"user": office_admin.pk, "office": office_a.pk, "role": role},
    )

    assert response.status_code == 200  # the form again, with an error on the role
    assert "role" in response.context["adminform"].form.errors
    assert not StaffMembership.objects.filter(role=role).exists()
    office_admin.refresh_from_db()
    assert not office_admin.is_superuser
    assert not OfficesRaPolicy().is_operator(office_admin)
    assert not OfficesRaPolicy().is_ca_admin(office_admin)


def test_office_admin_still_grants_office_roles_on_the_staff_screen(client, office_a, office_admin):
    clerk = StaffFactory()
    login_with_second_factor(client, office_admin)
    response = client.post(
        "/admin/offices/staffmembership/add/",
        {"user": clerk.pk, "office": office_a.pk, "role": StaffRole.REGISTRY_CLERK},
    )
    assert response.status_code == 302
    assert StaffMembership.objects.filter(user=clerk, role=StaffRole.REGISTRY_CLERK).count() == 1


@pytest.mark.parametrize("role", [StaffRole.CA_OPERATOR, StaffRole.CPD_ADMIN])
def test_the_service_refuses_office_admins_whatever_the_form(office_a, office_admin, role):
    # in their own office: the CA operator role is refused for the actor, the CPD role anywhere
    # but the CPD office
    refusal = RoleNotAllowed if role == StaffRole.CA_OPERATOR else CpdRoleOutsideCpd
    with pytest.raises(refusal):
        membership_grant(actor=office_admin, user=office_admin, office=office_a, role=role)
    with pytest.raises(refusal):
        registry_save(
            actor=office_admin,
            obj=StaffMembership(user=office_admin, office=office_a, role=role),
            before=None,
        )
    # an office admin of the CPD office itself may not grant the CPD role either
    cpd_office = Office.objects.get(terc="24")
    membership_grant(actor=None, user=office_admin, office=cpd_office, role=StaffRole.OFFICE_ADMIN)
    with pytest.raises(RoleNotAllowed):
        membership_grant(actor=office_admin, user=office_admin, office=cpd_office, role=role)
    assert not StaffMembership.objects.filter(role=role).exists()
    office_admin.refresh_from_db()
    assert not office_admin.is_superuser


def test_office_admin_cannot_demote_or_remove_a_ca_operator(client, office_a, office_admin):
    operator = StaffFactory()
    membership = membership_grant(
        actor=None, user=operator, office=office_a, role=StaffRole.CA_OPERATOR
    )
    membership.role = StaffRole.CLERK
    with pytest.raises(RoleNotAllowed):
        registry_save(actor=office_admin, obj=membership, before=None)
    with pytest.raises(RoleNotAllowed):
        registry_delete(actor=office_admin, obj=StaffMembership.objects.get(pk=membership.pk))

    login_with_second_factor(client, office_admin)
    url = f"/admin/offices/staffmembership/{membership.pk}/"
    changed = client.post(
        f"{url}change/", {"user": operator.pk, "office": office_a.pk, "role": StaffRole.CLERK}
    )
    deleted = client.post(f"{url}delete/", {"post": "yes"})
    assert changed.status_code == deleted.status_code == 403
    assert StaffMembership.objects.get(pk=membership.pk).role == StaffRole.CA_OPERATOR


def test_cpd_admin_grants_the_operator_role_and_cpd_role_only_in_the_cpd_office(office_a):
    cpd = StaffFactory()
    membership_grant(
        actor=None, user=cpd, office=Office.objects.get(terc="24"), role=StaffRole.CPD_ADMIN
    )
    cpd.refresh_from_db()
    operator = StaffFactory()

    membership_grant(actor=cpd, user=operator, office=office_a, role=StaffRole.CA_OPERATOR)

    assert OfficesRaPolicy().operator_offices(operator) == ["2466011"]
    with pytest.raises(CpdRoleOutsideCpd):
        membership_grant(actor=cpd, user=operator, office=office_a, role=StaffRole.CPD_ADMIN)
    assert not StaffMembership.objects.filter(user=operator, role=StaffRole.CPD_ADMIN).exists()


def test_a_cpd_role_outside_the_cpd_office_confers_nothing(office_a):
    user = StaffFactory()
    StaffMembership.objects.create(user=user, office=office_a, role=StaffRole.CPD_ADMIN)
    assert not OfficesRaPolicy().is_ca_admin(user)
