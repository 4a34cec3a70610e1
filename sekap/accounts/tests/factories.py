"""factory_boy factories for accounts, usable by every app's tests."""

from __future__ import annotations

import datetime as dt

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.pl import pesel

from sekap.accounts.models import IdentityLevel, User, UserKind

DEFAULT_PASSWORD = "correct-horse-battery-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = "Jan"
    last_name = factory.Sequence(lambda n: f"Kowalski{n}")
    kind = UserKind.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def sequence_pesel(n: int) -> str:
    """A valid PESEL, different for each n below 100,000 (born 1970-01-01 + n // 10,000 days)."""
    born = dt.date(1970, 1, 1) + dt.timedelta(days=n // 10_000)
    digits = f"{born:%y%m%d}{n % 10_000:04d}"
    return digits + pesel.calc_check_digit(digits)


class VerifiedCitizenFactory(UserFactory):
    """A citizen whose identity was confirmed; each gets their own PESEL (a verified PESEL is
    unique: see the squatting rules)."""

    identity_level = IdentityLevel.VERIFIED
    verified_method = "counter"
    verified_at = factory.Faker("date_time_this_year", tzinfo=dt.UTC)
    pesel = factory.Sequence(sequence_pesel)


class StaffFactory(UserFactory):
    kind = UserKind.STAFF


def add_totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def login_with_second_factor(client, user: User, password: str = DEFAULT_PASSWORD) -> None:
    """Log a staff member into the test client with password and a fresh TOTP code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or add_totp_device(user)
    response = client.post("/konto/logowanie/", {"username": user.email, "password": password})
    assert response.status_code == 302, response.content[:500]
    response = client.post("/konto/2fa/", {"token": current_code(device), "next": "/"})
    assert response.status_code == 302, response.content[:500]
