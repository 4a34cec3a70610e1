"""Office names, organs and addresses: seeded per office, versioned, changed only by the
office's own administrator, shown on the public office pages."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from offices.identity import office_identities_seed, office_identity_change
from offices.models import Office, OfficeIdentity, Service, StaffRole
from offices.services import membership_grant, offices_load_csv
from offices.tests.factories import DepartmentFactory
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db

DOUBLED = re.compile(r"\b(\w+) \1\b", re.IGNORECASE)


def renamed(office: Office, **changes) -> OfficeIdentity:
    current = office.identity
    return OfficeIdentity(**{**current.content(), **changes})


@pytest.mark.parametrize(
    ("terc", "official", "organ", "confirmed"),
    [
        (
            "24",
            "Urząd Marszałkowski Województwa Śląskiego",
            "Marszałek Województwa Śląskiego",
            True,
        ),
        ("2466011", "Urząd Miejski w Gliwicach", "Prezydent Miasta Gliwice", True),
        ("2461011", "Urząd Miejski w Bielsku-Białej", "Prezydent Miasta Bielska-Białej", True),
        ("2464011", "Urząd Miasta Częstochowy", "Prezydent Miasta Częstochowy", True),
        ("2401", "Starostwo Powiatowe w Będzinie", "Starosta Będziński", True),
        ("2415052", "Urząd Gminy Godów", "Wójt Gminy Godów", True),
        ("2410053", "Urząd Miejski w Pszczynie", "Burmistrz Pszczyny", True),
        ("2415", "Starostwo Powiatowe w Wodzisławiu Śląskim", "Starosta Wodzisławski", False),
    ],
)
def test_seeded_names_of_offices_of_every_kind(seeded_offices, terc, official, organ, confirmed):
    office = Office.objects.select_related("identity").get(terc=terc)
    assert (office.name, office.identity.official_name) == (official, official)
    assert (office.identity.organ_name, office.identity.name_verified) == (organ, confirmed)


def test_every_office_has_a_name_and_organ_that_fit_its_kind(seeded_offices):
    organ_by_kind = {
        "voivodeship": "Marszałek Województwa ",
        "city_county": "Prezydent Miasta ",
        "county": "Starosta ",
    }
    head_by_gmina_type = {
        "2": ("Wójt Gminy ",),
        "3": ("Burmistrz ",),
        "1": ("Burmistrz ", "Prezydent "),
    }
    identities = OfficeIdentity.objects.select_related("office")
    assert identities.count() == 54
    for identity in identities:
        office = identity.office
        assert office.identity_id == identity.pk
        assert not DOUBLED.search(identity.official_name), identity.official_name
        assert not DOUBLED.search(identity.organ_name), identity.organ_name
        if office.kind == "municipality":
            assert identity.organ_name.startswith(head_by_gmina_type[office.gmina_type])
        else:
            assert identity.organ_name.startswith(organ_by_kind[office.kind])
        if office.kind == "county":
            assert identity.official_name.startswith("Starostwo Powiatowe w ")
        if office.gmina_type == "2":
            assert identity.official_name == f"Urząd Gminy {office.seat}"
        # Nothing unconfirmed is passed off as confirmed: a confirmed address has a source.
        if identity.contact_verified:
            assert identity.street and identity.postal_code and identity.source


def test_the_seed_is_idempotent_and_keeps_what_an_admin_set(seeded_offices):
    assert office_identities_seed() == 0
    gliwice = Office.objects.get(terc="2466011")
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)
    office_identity_change(
        actor=admin, office=gliwice, version=renamed(gliwice, phone="+48 32 000 00 00")
    )
    offices_load_csv()
    gliwice.refresh_from_db()
    assert gliwice.identity.phone == "+48 32 000 00 00"
    assert gliwice.identities.count() == 2


def test_a_change_is_a_new_version_and_the_old_one_stays(seeded_offices):
    gliwice = Office.objects.get(terc="2466011")
    first = gliwice.identity
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)

    second = office_identity_change(
        actor=admin,
        office=gliwice,
        version=renamed(gliwice, official_name="Urząd Miasta Gliwice (po zmianie statutu)"),
    )

    gliwice.refresh_from_db()
    first.refresh_from_db()
    assert (
        gliwice.identity == second and gliwice.name == "Urząd Miasta Gliwice (po zmianie statutu)"
    )
    assert first.official_name == "Urząd Miejski w Gliwicach"
    assert second.valid_from > first.valid_from and second.created_by == admin
    entry = AuditEntry.objects.filter(action="offices.office.identity_changed").latest("pk")
    assert entry.before["official_name"] == "Urząd Miejski w Gliwicach"
    assert entry.after["official_name"] == "Urząd Miasta Gliwice (po zmianie statutu)"
    with pytest.raises(ValidationError):  # saving the same again is not a change
        office_identity_change(actor=admin, office=gliwice, version=renamed(gliwice))
    assert gliwice.identities.count() == 2


def test_an_admin_of_another_office_cannot_rename_it(seeded_offices):
    gliwice, rybnik = Office.objects.get(terc="2466011"), Office.objects.get(terc="2473011")
    admin_of_rybnik = StaffFactory()
    membership_grant(actor=None, user=admin_of_rybnik, office=rybnik, role=StaffRole.OFFICE_ADMIN)

    with pytest.raises(NotAllowed):
        office_identity_change(
            actor=admin_of_rybnik,
            office=gliwice,
            version=renamed(gliwice, official_name="Przejęty"),
        )

    gliwice.refresh_from_db()
    assert gliwice.name == "Urząd Miejski w Gliwicach" and gliwice.identities.count() == 1


@pytest.fixture
def admin_client(seeded_offices, client):
    gliwice = Office.objects.get(terc="2466011")
    admin = StaffFactory(email="admin.gliwice@example.test")
    membership_grant(actor=None, user=admin, office=gliwice, role=StaffRole.OFFICE_ADMIN)
    login_with_second_factor(client, admin)
    return client


def identity_form(office: Office, **changes) -> dict:
    data = {k: v for k, v in office.identity.content().items() if v not in (False, None)}
    return {**data, "office": office.pk, **changes}


def test_office_admin_makes_a_new_version_in_the_admin(admin_client):
    gliwice = Office.objects.get(terc="2466011")
    add = "/admin/offices/officeidentity/add/"

    form = admin_client.get(f"{add}?office={gliwice.pk}")
    assert form.context["adminform"].form.initial["official_name"] == "Urząd Miejski w Gliwicach"

    unchanged = admin_client.post(add, identity_form(gliwice, name_verified="on"))
    assert unchanged.status_code == 200 and unchanged.context["adminform"].form.non_field_errors()

    response = admin_client.post(
        add, identity_form(gliwice, name_verified="on", phone="32 239 11 00")
    )
    assert response.status_code == 302
    gliwice.refresh_from_db()
    assert gliwice.identity.phone == "32 239 11 00" and gliwice.identities.count() == 2

    old = gliwice.identities.order_by("valid_from").first()
    change = admin_client.post(
        f"/admin/offices/officeidentity/{old.pk}/change/",
        identity_form(gliwice, official_name="Zmiana historii"),
    )
    assert change.status_code == 403  # a version in force once is never rewritten
    old.refresh_from_db()
    assert old.official_name == "Urząd Miejski w Gliwicach"


def test_office_admin_cannot_add_a_version_for_another_office(admin_client):
    rybnik = Office.objects.get(terc="2473011")
    response = admin_client.post(
        "/admin/offices/officeidentity/add/", identity_form(rybnik, official_name="Przejęty")
    )
    assert response.status_code == 200
    assert "office" in response.context["adminform"].form.errors
    assert rybnik.identities.count() == 1


def test_office_page_shows_contact_data_services_and_what_is_unconfirmed(seeded_offices, client):
    godow = Office.objects.get(terc="2415052")
    service = Service.objects.create(
        office=godow,
        form_template=_any_template(),
        department=DepartmentFactory(office=godow, symbol="XT"),
        title="Wniosek o wydanie zaświadczenia",
        description="Opis.",
        category="Sprawy obywatelskie",
        jrwa_symbol="0143",
        deadline_rule="7d",
        fee_kind="none",
    )

    page = client.get("/urzedy/2415052/").content.decode()
    for text in (
        "<h1>Urząd Gminy Godów</h1>",
        "Wójt Gminy Godów",
        "ul. 1 Maja 53",
        "44-340 Godów",
        "+48 32 476 50 65",
        "mailto:gmina@godow.pl",
        "pn. 7:00–17:00<br>wt.–czw. 7:00–15:00",
        "/sekap-2415052/SkrytkaESP",
        f'href="/uslugi/{service.pk}/">Wniosek o wydanie zaświadczenia</a>',
        'href="/uslugi/?urzad=2415052"',
    ):
        assert text in page, text
    assert "niepotwierdzone" not in page  # Godów's data was confirmed from its own site

    jastrzebie = client.get("/urzedy/2467011/").content.decode()
    assert "<h1>Urząd Miasta Jastrzębie-Zdrój</h1>" in jastrzebie
    assert jastrzebie.count('class="badge">niepotwierdzone') == 3  # name, organ, contact
    assert "jeszcze nieznane" in jastrzebie  # no street is invented

    english = client.get("/urzedy/2467011/", HTTP_ACCEPT_LANGUAGE="en")
    english_page = english.content.decode()
    assert "Authority (organ)" in english_page and "not confirmed" in english_page


def test_directory_lists_names_organs_and_addresses_in_few_queries(
    seeded_offices, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        page = client.get("/urzedy/").content.decode()
    assert "Urząd Miejski w Gliwicach" in page and "Prezydent Miasta Gliwice" in page
    assert "ul. Śląska 11/13, 42-217 Częstochowa" in page


def test_api_returns_the_identity_in_force(seeded_offices, client):
    data = client.get("/api/v1/offices/2466011/").json()
    assert data["name"] == "Urząd Miejski w Gliwicach"
    assert data["identity"]["organ_name"] == "Prezydent Miasta Gliwice"
    assert data["identity"]["postal_address"] == "ul. Zwycięstwa 21, 44-100 Gliwice"
    assert data["identity"]["contact_verified"] is False


def _any_template():
    from forms_platform.tests.factories import make_published

    return make_published(slug="wniosek-tozsamosc").template


def test_office_admin_sees_the_versions_of_own_office_only(admin_client):
    gliwice, rybnik = Office.objects.get(terc="2466011"), Office.objects.get(terc="2473011")
    page = admin_client.get(f"/admin/offices/office/{gliwice.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/offices/officeidentity/add/?office={gliwice.pk}" in page.content.decode()
    listed = admin_client.get("/admin/offices/officeidentity/").context["cl"].queryset
    assert list(listed) == [gliwice.identity]
    other = admin_client.get(f"/admin/offices/officeidentity/{rybnik.identity.pk}/change/")
    assert other.status_code == 302  # "does not exist" for this admin
    form = admin_client.get(f"/admin/offices/officeidentity/add/?office={rybnik.pk}")
    assert "official_name" not in form.context["adminform"].form.initial
