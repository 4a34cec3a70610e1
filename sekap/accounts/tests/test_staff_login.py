"""Staff logging in through the one login page, and the TOTP throttling message (issue 9,
portal 11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
    add_totp_device,
    current_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def en_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def login(client, user, next_url=""):
    data = {"username": user.email, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/konto/logowanie/", data)


def test_staff_logging_in_on_the_citizens_login_go_through_totp_to_the_back_office(client):
    clerk = StaffFactory()
    device = add_totp_device(clerk)
    response = login(client, clerk)
    assert response.status_code == 302
    assert response["Location"] == "/konto/2fa/?next=%2Fbackoffice%2F"
    response = client.post("/konto/2fa/?next=%2Fbackoffice%2F", {"token": current_code(device)})
    assert response["Location"] == "/backoffice/"


def test_staff_asking_for_a_staff_page_get_it_after_totp_and_citizen_pages_do_not_count(client):
    clerk = StaffFactory()
    add_totp_device(clerk)
    assert login(client, clerk, "/backoffice/sprawy/")["Location"] == (
        "/konto/2fa/?next=%2Fbackoffice%2Fsprawy%2F"
    )
    client.logout()
    assert login(client, clerk, "/wnioski/")["Location"] == "/konto/2fa/?next=%2Fbackoffice%2F"


def test_staff_without_a_device_are_sent_to_enrol_one(client):
    clerk = StaffFactory()
    assert login(client, clerk)["Location"] == "/konto/2fa/konfiguracja/?next=%2Fbackoffice%2F"


def test_citizens_land_where_they_asked(client):
    citizen = UserFactory()
    assert login(client, citizen)["Location"] == "/"
    client.logout()
    assert login(client, citizen, "/wnioski/")["Location"] == "/wnioski/"


def test_a_right_code_right_after_a_wrong_one_is_told_to_wait_not_that_it_is_wrong(en_client):
    client = en_client
    clerk = StaffFactory(is_staff=True)
    device = add_totp_device(clerk)
    login(client, clerk)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    client.post("/konto/2fa/", {"token": wrong, "next": "/backoffice/"})
    device.refresh_from_db()
    # A second wrong code: django-otp now refuses every code for 2 seconds.
    device.throttling_failure_count = 2
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post("/konto/2fa/", {"token": current_code(device), "next": "/backoffice/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Too many wrong codes in a row: wait 2 seconds" in html
    assert "wrong or has expired" not in html
    # Once the wait is over, the right code works.
    device.throttling_failure_timestamp = timezone.now() - dt.timedelta(seconds=3)
    device.save()
    response = client.post("/konto/2fa/", {"token": current_code(device), "next": "/backoffice/"})
    assert response.status_code == 302 and response["Location"] == "/backoffice/"


def test_a_wrong_code_says_how_long_to_wait_before_the_next_try(en_client):
    client = en_client
    clerk = StaffFactory(is_staff=True)
    device = add_totp_device(clerk)
    device.throttling_failure_count = 2
    device.throttling_failure_timestamp = timezone.now() - dt.timedelta(seconds=10)
    device.save()
    login(client, clerk)
    wrong = f"{(int(current_code(device)) + 1) % 1_000_000:06d}"
    html = client.post("/konto/2fa/", {"token": wrong}).content.decode()
    assert "This code is wrong or has expired. Enter the current code." in html
    assert "Wait 4 seconds before the next try." in html
