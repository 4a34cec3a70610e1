"""The portal's main citizen pages in Ukrainian, for the many Ukrainian residents of the region."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def uk_client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "uk-UA,uk;q=0.9"
    return client


def test_home_and_catalogue_pages_speak_ukrainian(uk_client, catalogue):
    html = uk_client.get("/").content.decode()
    assert '<html lang="uk">' in html
    assert "Перейти до основного вмісту" in html and "Знайти послугу" in html
    assert '<option value="uk" lang="uk" selected>Українська</option>' in html
    html = uk_client.get("/uslugi/", {"q": "zameldowanie"}).content.decode()
    assert "Що ви хочете зробити?" in html and "Знайдено 1 послугу" in html
    assert "Заява про видачу довідки з реєстру населення" in html
    assert "Оформлення документів" in html  # the life event


def test_service_page_in_ukrainian(uk_client, catalogue):
    html = uk_client.get(f"/uslugi/{catalogue.service.pk}/").content.decode()
    assert "<h1>Заява про видачу довідки з реєстру населення</h1>" in html
    assert "Гербовий збір: 17 зл." in html
    assert "Строк за законом" in html and "протягом 7 днів" in html
    assert "<li>довідка: 17,00 zł</li>" in html
    assert catalogue.service.title not in html


def test_polish_stays_the_default(client, catalogue):
    html = client.get("/").content.decode()
    assert '<html lang="pl">' in html and "Знайти послугу" not in html


def test_registration_and_login_in_ukrainian(uk_client, catalogue):
    html = uk_client.get("/konto/rejestracja/").content.decode()
    assert '<html lang="uk">' in html
    for text in ("Тип облікового запису", "Ім&#x27;я", "Прізвище", "Повторіть пароль"):
        assert text in html
    html = uk_client.get("/konto/logowanie/").content.decode()
    assert "Адреса електронної пошти" in html and "Забули пароль?" in html
