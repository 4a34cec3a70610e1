import pytest

from sekap.accounts.models import IdentityLevel
from sekap.accounts.services import IdentityError, identity_verify
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_clerk_verifies_identity_and_it_is_recorded():
    citizen, clerk = UserFactory(pesel="44051401359"), StaffFactory()

    identity_verify(user=citizen, verified_by=clerk, method="counter")

    citizen.refresh_from_db()
    assert citizen.identity_level == IdentityLevel.VERIFIED
    assert citizen.verified_by == clerk and citizen.verified_method == "counter"
    entry = AuditEntry.objects.get(action="accounts.identity.verified")
    assert entry.actor == clerk and entry.target_id == str(citizen.pk)


def test_nobody_verifies_themselves():
    clerk = StaffFactory()
    with pytest.raises(IdentityError):
        identity_verify(user=clerk, verified_by=clerk, method="counter")
    clerk.refresh_from_db()
    assert clerk.identity_level == IdentityLevel.UNVERIFIED
