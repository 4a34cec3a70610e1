import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    add_totp_device,
    current_code,
    login_with_second_factor,
)
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_clerk_without_second_factor_is_refused_the_back_office(client):
    clerk = StaffFactory()
    add_totp_device(clerk)
    client.post("/konto/logowanie/", {"username": clerk.email, "password": DEFAULT_PASSWORD})

    for path in ("/admin/", "/backoffice/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/konto/2fa/?next=")


def test_clerk_without_any_device_is_sent_to_enrol_a_totp_device(client):
    clerk = StaffFactory(is_staff=True)
    client.post("/konto/logowanie/", {"username": clerk.email, "password": DEFAULT_PASSWORD})

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/konto/2fa/konfiguracja/")


def test_clerk_with_totp_is_admitted(client):
    clerk = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, clerk)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="accounts.second_factor.passed", actor=clerk).exists()


def test_wrong_totp_code_is_refused_with_a_field_error(client):
    clerk = StaffFactory(is_staff=True)
    device = add_totp_device(clerk)
    client.post("/konto/logowanie/", {"username": clerk.email, "password": DEFAULT_PASSWORD})
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"

    response = client.post("/konto/2fa/", {"token": wrong, "next": "/admin/"})

    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_enrolment_confirms_device_with_first_code(client):
    clerk = StaffFactory(is_staff=True, is_superuser=True)
    client.post("/konto/logowanie/", {"username": clerk.email, "password": DEFAULT_PASSWORD})
    page = client.get("/konto/2fa/konfiguracja/?next=/admin/")
    assert page.status_code == 200
    device = clerk.totpdevice_set.get(confirmed=False)

    response = client.post(
        "/konto/2fa/konfiguracja/", {"token": current_code(device), "next": "/admin/"}
    )

    assert response.status_code == 302 and response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_citizen_cannot_enter_the_admin(client):
    citizen = UserFactory()
    client.post("/konto/logowanie/", {"username": citizen.email, "password": DEFAULT_PASSWORD})

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_anonymous_back_office_visit_goes_to_login(client):
    response = client.get("/backoffice/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logowanie/?next=")


def test_repeated_failures_lock_the_account(client, settings):
    user = UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/konto/logowanie/", {"username": user.email, "password": "nope"})
        assert response.status_code == 200
    last = client.post("/konto/logowanie/", {"username": user.email, "password": "nope"})
    assert last.status_code == 429

    locked = client.post(
        "/konto/logowanie/", {"username": user.email, "password": DEFAULT_PASSWORD}
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="accounts.login_failed").count() >= 5


def test_wrong_password_shows_a_clear_error_in_polish(client):
    user = UserFactory()
    response = client.post("/konto/logowanie/", {"username": user.email, "password": "nope"})
    assert "Nieprawidłowy adres e-mail lub hasło" in response.content.decode()


def test_english_translation_is_served_after_switching_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    user = UserFactory()
    response = client.post("/konto/logowanie/", {"username": user.email, "password": "nope"})
    assert "The e-mail address or password is wrong" in response.content.decode()


@pytest.mark.parametrize("password", ["short1", "123456789012345", "password12345"])
def test_weak_passwords_are_rejected(password):
    with pytest.raises(ValidationError):
        password_validation.validate_password(password, UserFactory.build())


def test_citizen_is_refused_the_back_office_start_page(client):
    citizen = UserFactory()
    client.post("/konto/logowanie/", {"username": citizen.email, "password": DEFAULT_PASSWORD})
    assert client.get("/backoffice/").status_code == 403


def test_the_sessions_device_is_read_as_it_is_now_with_its_sql_compiled_once(client, compiled):
    """The device the session was verified with is read on every request (a deleted or
    unconfirmed device, or one moved to another user, is refused at once), its query compiled
    once (sekap.accounts.middleware.device_by_persistent_id)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    clerk = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, clerk)
    device = TOTPDevice.objects.get(user=clerk)
    assert client.get("/admin/").status_code == 200
    compiled.clear()
    assert client.get("/admin/").status_code == 200
    assert not [sql for sql in compiled if "otp_totp_totpdevice" in sql]

    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=False)
    assert client.get("/admin/").status_code == 302
    login_with_second_factor(client, clerk)  # a new device
    assert client.get("/admin/").status_code == 200
    TOTPDevice.objects.filter(user=clerk).update(user=StaffFactory())
    assert client.get("/admin/").status_code == 302
    login_with_second_factor(client, clerk)
    TOTPDevice.objects.filter(user=clerk).delete()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/konto/2fa/konfiguracja/" in response["Location"]


def test_a_persistent_id_naming_no_device_finds_none():
    from sekap.accounts.middleware import device_by_persistent_id

    for persistent_id in (
        "",
        "otp_totp.totpdevice/x",
        "nope.model/1",
        "accounts.user/1",
        "otp_totp.totpdevice/99999999999999999999",
        "otp_totp.totpdevice/7",
    ):
        assert device_by_persistent_id(persistent_id) is None, persistent_id
