"""A PESEL confirmed through login.gov.pl cannot be squatted: no other account may claim it in
its profile, nor be verified with it; typing a PESEL nobody has verified stays possible."""

from __future__ import annotations

import pytest
from django.utils import translation

from portal.services import accounts as services
from sekap.accounts.models import IdentityLevel, User
from sekap.accounts.services import IdentityDocument, IdentityError, identity_verify
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.nodelogin.tests.conftest import _one_address  # noqa: F401
from sekap.nodelogin.tests.support import ANNA, JAN, login_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(client) -> User:
    login_as(client, ANNA)
    client.post(
        "/konto/login-gov-pl/nowe-konto/",
        {"create": "1", "create-email": "anna@example.test", "create-consent": "on"},
    )
    return User.objects.get(pesel=ANNA.pesel, identity_level=IdentityLevel.VERIFIED)


def test_a_profile_change_claiming_a_node_verified_pesel_is_refused(anna, client):
    squatter = UserFactory(email="squatter@example.test")
    with translation.override("en"), pytest.raises(services.AccountError, match="verified"):
        services.profile_update(
            user=squatter,
            person={"first_name": "Anna", "last_name": "Testowa", "pesel": ANNA.pesel},
            address={},
        )
    squatter.refresh_from_db()
    assert squatter.pesel == ""
    # Through the profile page the person reads why, in Polish.
    client.force_login(squatter)
    page = client.post(
        "/konto/profil/", {"first_name": "Anna", "last_name": "Testowa", "pesel": ANNA.pesel}
    )
    assert "należy do konta z potwierdzoną tożsamością" in page.content.decode()
    squatter.refresh_from_db()
    assert squatter.pesel == ""


def test_no_counter_clerk_can_verify_another_account_with_that_pesel(anna):
    squatter = UserFactory(email="squatter@example.test")
    with pytest.raises(IdentityError):
        identity_verify(
            user=squatter,
            verified_by=StaffFactory(),
            method="counter",
            document=IdentityDocument(kind="id_card", pesel=ANNA.pesel),
        )
    squatter.refresh_from_db()
    assert not squatter.is_identity_verified


def test_a_pesel_nobody_verified_can_still_be_typed_in(anna):
    person = UserFactory(email="jan@example.test")
    services.profile_update(
        user=person,
        person={"first_name": "Jan", "last_name": "Próbny", "pesel": JAN.pesel},
        address={},
    )
    person.refresh_from_db()
    assert person.pesel == JAN.pesel
