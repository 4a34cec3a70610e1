"""The Django admin in Polish: no English names left, and the model's name in the accusative
after "Dodaj" / "Wybierz … do zmiany" (issue 9, portal 12)."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor

pytestmark = pytest.mark.django_db

# Words that are the same in Polish (codes, abbreviations, loanwords).
SAME_IN_BOTH = {
    "ID",
    "PESEL",
    "NIP",
    "REGON",
    "KRS",
    "TERC",
    "Token",
    "token",
    "status",
    "Status",
    "URL",
} | {"e-mail", "E-mail"}


def _both(text) -> tuple[str, str]:
    with translation.override("en"):
        english = str(text)
    with translation.override("pl"):
        polish = str(text)
    return english, polish


# Apps whose models we do not own: only what our admin shows of them must be Polish (their
# field names are plain English in code; the admin relabels them).
THIRD_PARTY = {"auth", "authtoken", "axes", "otp_totp"}


def _names(model, model_admin, request) -> list[tuple[str, object]]:
    """Every name the admin shows for the model: model and app names, field names (for our
    own models), form labels, column headers, readonly labels and section titles."""
    opts = model._meta
    found = [
        ("app", opts.app_config.verbose_name),
        ("verbose_name", opts.verbose_name),
        ("verbose_name_plural", opts.verbose_name_plural),
    ]
    if opts.app_label not in THIRD_PARTY:
        for field in opts.get_fields():
            if getattr(field, "verbose_name", None) is None or (
                field.auto_created and not field.concrete
            ):
                continue
            found.append((field.name, field.verbose_name))
            for value, label in getattr(field, "choices", None) or []:
                if not isinstance(label, list | tuple):
                    found.append((f"{field.name}={value}", label))
    form = model_admin.get_form(request)
    for name, field in form.base_fields.items():
        found.append((f"form {name}", field.label or name))
    for name, options in model_admin.get_fieldsets(request):
        if name:
            found.append(("fieldset", name))
        for field_name in options["fields"]:
            names = field_name if isinstance(field_name, list | tuple) else [field_name]
            for one in names:
                if one in model_admin.get_readonly_fields(request) and one not in form.base_fields:
                    found.append((f"readonly {one}", label_for_field(one, model, model_admin)))
    for action, (_func, _name, description) in model_admin.get_actions(request).items():
        found.append((f"action {action}", description))
    for list_filter in model_admin.get_list_filter(request):
        if isinstance(list_filter, type) and getattr(list_filter, "title", None):
            found.append((f"filter {list_filter.__name__}", list_filter.title))
    for column in model_admin.get_list_display(request):
        if column == "__str__":
            continue
        found.append((f"column {column}", label_for_field(column, model, model_admin)))
    return found


def test_no_english_verbose_name_or_admin_label_is_left():
    superuser = StaffFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    english_left = []
    for model, model_admin in admin.site._registry.items():
        for where, text in _names(model, model_admin, request):
            english, polish = _both(text)
            if english == polish and english not in SAME_IN_BOTH and not english.isdigit():
                english_left.append(f"{model._meta.label} {where}: {english!r}")
    assert english_left == [], "\n".join(english_left)


def _pages(client):
    html = {"index": client.get(reverse("admin:index")).content.decode()}
    for model, _model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        for view in ("changelist", "add"):
            try:
                url = reverse(f"admin:{info[0]}_{info[1]}_{view}")
            except NoReverseMatch:
                continue
            response = client.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            if response.status_code == 200:
                html[f"{model._meta.label} {view}"] = response.content.decode()
    return html


def test_admin_pages_speak_polish_with_the_right_case(client):
    superuser = StaffFactory(is_staff=True, is_superuser=True)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "pl"
    login_with_second_factor(client, superuser)
    pages = _pages(client)

    # The accusative after the verbs (the review found "Dodaj usługa", "Wybierz usługa …").
    assert "<h1>Wybierz usługę do zmiany</h1>" in pages["offices.Service changelist"]
    assert "Dodaj usługę" in pages["offices.Service changelist"]
    assert "<h1>Dodaj usługę</h1>" in pages["offices.Service add"]
    assert "<h1>Dodaj użytkownika</h1>" in pages["accounts.User add"]
    assert (
        "<h1>Wybierz komórkę organizacyjną do zmiany</h1>" in pages["offices.Department changelist"]
    )
    assert "<h1>Wybierz urząd do zmiany</h1>" in pages["offices.Office changelist"]
    for html in pages.values():
        assert "Dodaj usługa" not in html and "usługa do zmiany" not in html

    # No English names in headers, labels or the index (the review found "Access failures",
    # "HANDLING DEPARTMENT").
    request = RequestFactory().get("/admin/")
    request.user = superuser
    english = set()
    for model, model_admin in admin.site._registry.items():
        for _where, text in _names(model, model_admin, request):
            en, _pl = _both(text)
            if en not in SAME_IN_BOTH and not en.isdigit():
                english.add(en[:1].upper() + en[1:])
    leftovers = []
    for page, html in pages.items():
        for text in english:
            if re.search(rf">\s*{re.escape(text)}\s*:?\s*<", html):
                leftovers.append(f"{page}: {text}")
    assert leftovers == []
    assert "Nieudane logowania" in pages["index"] and "Access failures" not in pages["index"]
    assert "Blokady logowania" in pages["index"] and "Axes" not in pages["index"]
