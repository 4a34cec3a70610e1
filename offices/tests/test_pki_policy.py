import pytest

from offices.models import Office, StaffRole
from offices.pki import OfficesRaPolicy
from offices.services import membership_grant
from sekap.accounts.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(seeded_offices):
    return OfficesRaPolicy()


def test_operator_of_office_a_approves_citizens_but_only_its_own_seal(policy):
    office_a, office_b = Office.objects.get(terc="2466011"), Office.objects.get(terc="2473011")
    operator = StaffFactory()
    membership_grant(actor=None, user=operator, office=office_a, role=StaffRole.CA_OPERATOR)

    assert policy.is_operator(operator)
    assert policy.may_approve_seal(operator, office_a.terc)
    assert not policy.may_approve_seal(operator, office_b.terc)
    assert not policy.may_approve_clerk(operator, office_b.terc)
    assert not policy.is_operator(UserFactory())
    assert not policy.may_approve_seal(operator, "0000000")


def test_offices_whose_seal_a_user_may_request_and_clerk_office(policy):
    office_a = Office.objects.get(terc="2466011")
    admin, clerk = StaffFactory(), StaffFactory()
    membership_grant(actor=None, user=admin, office=office_a, role=StaffRole.OFFICE_ADMIN)
    membership_grant(
        actor=None,
        user=clerk,
        office=office_a,
        role=StaffRole.CLERK,
        department=office_a.departments.get(symbol="OR"),
    )
    assert [o.terc for o in policy.seal_offices(admin)] == ["2466011"]
    assert policy.seal_offices(clerk) == []
    assert policy.clerk_office(clerk).name == "Urząd Miejski w Gliwicach"
    assert policy.clerk_office(admin) is None
    assert policy.is_ca_admin(StaffFactory(is_superuser=True))
    assert not policy.is_ca_admin(clerk)
