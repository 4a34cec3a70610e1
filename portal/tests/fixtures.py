"""Fixtures for the portal tests (also used by the browser tests in /tests/browser).

Real services throughout: the 54 offices and their departments, the seed forms published by
the form repository, the catalogue built from them, the SEKAP CA with its seals.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction

from certauth.models import Profile as CertProfile
from certauth.services import seals
from certauth.services.issuance import certificate_issue, citizen_subject
from documents.tests.fixtures import (  # noqa: F401
    Citizen,
    ca,
    make_citizen,
    pki_dir,
    sekap_trust,
)
from forms_platform.seeding import seed_forms
from offices.catalogue import catalogue_seed
from offices.models import Service
from offices.services import departments_seed_defaults, offices_load_csv
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from tests.support import SharedRows

FORMS = {"wniosek-o-zaswiadczenie", "pismo-ogolne"}
SLUG = "wniosek-o-zaswiadczenie"
PDF = b"%PDF-1.4\n% portal test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Catalogue:
    service: Service  # at Gliwice (a city with county rights)
    other: Service  # the same service at Pszczyna county's gmina office


def load_catalogue() -> Catalogue:
    # documents caches form versions by namespace for the process; a test database that was
    # flushed reuses the namespaces with new rows, so the cache must not outlive it.
    from documents.services import submissions

    getattr(submissions, "_versions", {}).clear()
    with transaction.atomic():  # one commit, not one per row, in a test that commits
        offices_load_csv()
        departments_seed_defaults()
        seed_forms(only=FORMS)
        catalogue_seed()
    return Catalogue(
        service=Service.objects.select_related("office").get(
            office__terc="2466011", form_template__slug=SLUG
        ),
        other=Service.objects.select_related("office").get(
            office__terc="2410053", form_template__slug=SLUG
        ),
    )


def certificate_holder(ca_row, *, user, pesel: str | None = None) -> Citizen:
    """A SEKAP signing certificate (issued by the real CA) for ``user`` or for a PESEL."""
    key = ec.generate_private_key(ec.SECP256R1())
    row = certificate_issue(
        ca=ca_row,
        profile=CertProfile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(
            given_name=user.first_name, surname=user.last_name, pesel=pesel or user.pesel
        ),
        actor=None,
        holder=user,
    )
    issuing = x509.load_der_x509_certificate(bytes(ca_row.certificate_der))
    root = x509.load_der_x509_certificate(bytes(ca_row.parent.certificate_der))
    chain = [x509.load_der_x509_certificate(bytes(row.der)), issuing, root]
    return Citizen(user=user, key=key, chain=chain)


@pytest.fixture(scope="module")
def _catalogue_rows(django_db_setup, django_db_blocker):
    """The catalogue made once per module (seconds of work: 54 offices with their departments,
    the seed forms, the catalogue, each with its audit entries), shared by the module's tests
    that do not commit, each rolled back to it (tests.support.SharedRows)."""

    def make() -> tuple[int, int]:
        made = load_catalogue()
        return made.service.pk, made.other.pk

    yield from SharedRows.made("catalogue", make, django_db_blocker)


@pytest.fixture
def catalogue(request, _catalogue_rows, db) -> Catalogue:
    """The catalogue of the seed forms at the 54 offices; a test that commits loads its own
    (``load_catalogue()``)."""
    shared = _catalogue_rows.get(request)
    if shared is None:
        return load_catalogue()
    from documents.services import submissions

    getattr(submissions, "_versions", {}).clear()
    services = Service.objects.select_related("office").in_bulk(shared)
    return Catalogue(service=services[shared[0]], other=services[shared[1]])


@pytest.fixture
def platform_trust(settings, sekap_trust):  # noqa: F811
    """The validator recognises the platform seal's trusted-profile signatures."""
    seals.platform_seal()
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = seals.platform_seal_fingerprints()
    return sekap_trust


@pytest.fixture
def cert_profiles(transactional_db):
    """transactional_db flushes certauth's data-migration rows; put them back first."""
    from certauth.tests.fixtures import ensure_profiles

    ensure_profiles()


@pytest.fixture
def live_trust(cert_profiles, request, settings):
    """For browser tests: the CA on a committed database, trusted by the validator, with the
    platform seal recognised (documents' ``sekap_trust``: revocation data fetched
    in-process)."""
    request.getfixturevalue("pki_dir")
    if "live_server" in request.fixturenames:
        # Certificates name the live server's OCSP and CRL addresses, so that a Celery worker
        # process (the PostgreSQL/Redis pass) can check revocation too.
        settings.CERTAUTH_BASE_URL = request.getfixturevalue("live_server").url
    env = request.getfixturevalue("sekap_trust")
    seals.platform_seal()
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = seals.platform_seal_fingerprints()
    return env


def intake(submission):
    """Run the intake pipeline now (in eager mode it has run already; it is idempotent), so
    tests that need the case do not depend on a worker."""
    from documents.services import intake_process

    return intake_process(submission_id=submission.pk)


@pytest.fixture
def verified(db):
    return VerifiedCitizenFactory(
        email="jan@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )


def step_post(**fields) -> dict:
    return {"action": "next", **fields}


STEP1 = {
    "Wnioskodawca__first_name": "Jan",
    "Wnioskodawca__last_name": "Kowalski",
    "Wnioskodawca__pesel": "44051401359",
    "Wnioskodawca__address__postal_code": "44-100",
    "Wnioskodawca__address__city": "Gliwice",
    "Wnioskodawca__address__street": "Zwycięstwa",
    "Wnioskodawca__address__building": "21",
    "Email": "jan@example.test",
}
STEP2 = {
    "Przedmiot": "Potwierdzenie zameldowania na pobyt stały.",
    "Cel": "do banku",
    "LiczbaEgzemplarzy": "1",
    "SposobOdbioru": "skrzynka",
}
STEP3 = {"PrzezPelnomocnika": "false", "Oswiadczenie": "true", "MiejscowoscDokumentu": "Gliwice"}

__all__ = ["make_citizen"]
