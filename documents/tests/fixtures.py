"""Fixtures for the correspondence tests (also imported by the cross-app tests in /tests).

Real cryptography throughout: the SEKAP CA issues the citizen's certificate and the office
seals; the signature validator checks revocation against certauth's own OCSP responder,
answered in-process as in production (same database transaction), with no network.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import get_resolver
from django.utils import timezone
from stdnum.pl import pesel as stdnum_pesel

from certauth.models import Profile
from certauth.services import seals
from certauth.services.issuance import certificate_issue, citizen_subject
from certauth.tests.fixtures import ca, pki_dir  # noqa: F401
from documents.models import Case, Stage, Submission
from documents.services import intake
from forms_platform import selectors as forms
from forms_platform.tests.factories import ADDRESSEE, make_published
from offices.models import Service, StaffMembership
from offices.tests.factories import DepartmentFactory, OfficeFactory
from sekap.accounts.tests.factories import StaffFactory, VerifiedCitizenFactory
from signatures import pkix, signer
from signatures import services as signatures


class NoNetwork:
    """An HTTP fetcher that refuses every call: what the validator asks the network for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def get(self, url: str) -> bytes:
        self.calls.append(url)
        raise pkix.FetchError(f"no network in tests: {url}")

    def post(self, url: str, body: bytes, content_type: str) -> bytes:
        return self.get(url)


@pytest.fixture
def sekap_trust(settings, ca):  # noqa: F811
    """Trust the SEKAP root; fresh seals. Revocation data of the SEKAP CA comes in-process
    (the validator's default fetcher); anything else would need the network, which fails."""
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
    seals.forget_cached_seals()
    signatures.reset_environment()
    env = signatures.environment()
    assert isinstance(env.fetcher, pkix.LocalFirstFetcher)
    env.fetcher.fallback = NoNetwork()
    # Load the URLconf now: importing every view on the first in-process fetch can take longer
    # than the validator's tolerance for an OCSP response newer than the validation time.
    get_resolver().url_patterns  # noqa: B018
    settings.SIGNATURES_TRUSTED_PROFILE_SEALS = []
    yield env
    signatures.reset_environment()
    seals.forget_cached_seals()


DATA = {
    "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
    "Kwota": 12345,
    "Rodzaj": "zwykla",
}
SENDER = {"kind": "person", "first_name": "Jan", "last_name": "Kowalski"}


@dataclass
class Setup:
    office: object
    department: object
    service: Service
    version: object


def make_service(
    *,
    office=None,
    symbol: str = "OR",
    jrwa: str = "1431",
    rule: str = "1m",
    slug: str = "wniosek-testowy",
) -> Setup:
    office = office or OfficeFactory()
    department = DepartmentFactory(office=office, symbol=symbol, name=f"Wydział {symbol}")
    version = forms.current_version(slug) or make_published(slug=slug)
    service = Service.objects.create(
        office=office,
        form_template=version.template,
        department=department,
        title="Wniosek testowy",
        description="Opis usługi.",
        category="Sprawy ogólne",
        jrwa_symbol=jrwa,
        deadline_rule=rule,
        fee_kind="none",
    )
    return Setup(office=office, department=department, service=service, version=version)


def make_case(setup, applicant, n: int = 0) -> Case:
    now = timezone.now()
    submission = Submission.objects.create(
        submitter=applicant,
        office=setup.office,
        service=setup.service,
        form_version=setup.version,
        title=f"Wniosek {n}",
        channel="api",
        idempotency_key=f"case-{setup.office.pk}-{n}",
        document=b"<x/>",
        sha256=f"{n:064d}",
        size=4,
        received_at=now,
        intake_due_at=now,
        stage=Stage.SIGNATURE_CHECKED,
        signature_indication="TOTAL_PASSED",
    )
    intake.intake_process(submission_id=submission.pk)
    return Case.objects.get(submissions=submission)


def clerk_of(setup, *, role: str = "clerk", department=True):
    user = StaffFactory()
    StaffMembership.objects.create(
        user=user,
        office=setup.office,
        department=setup.department if department else None,
        role=role,
    )
    return user


@pytest.fixture
def setup(db) -> Setup:
    return make_service()


@dataclass
class Citizen:
    user: object
    key: ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]

    def sign(self, xml: bytes) -> bytes:
        return signer.sign_enveloped(xml, key=signer.SoftwareKey(self.key), cert_chain=self.chain)


def make_citizen(ca_row, **kwargs) -> Citizen:
    user = VerifiedCitizenFactory(**kwargs)
    key = ec.generate_private_key(ec.SECP256R1())
    row = certificate_issue(
        ca=ca_row,
        profile=Profile.objects.get(slug="citizen-signing"),
        public_key=key.public_key(),
        subject=citizen_subject(
            given_name=user.first_name, surname=user.last_name, pesel=user.pesel
        ),
        actor=None,
        holder=user,
    )
    issuing = x509.load_der_x509_certificate(bytes(ca_row.certificate_der))
    root = x509.load_der_x509_certificate(bytes(ca_row.parent.certificate_der))
    return Citizen(
        user=user, key=key, chain=[x509.load_der_x509_certificate(bytes(row.der)), issuing, root]
    )


@pytest.fixture
def citizen(ca, sekap_trust) -> Citizen:  # noqa: F811
    return make_citizen(ca, pesel="44051401359")


def document_for(setup: Setup, *, note: str = "", data: dict | None = None) -> bytes:
    payload = dict(data or DATA)
    if note:
        payload = {**payload, "Rodzaj": "inna", "Opis": note}
    return forms.build_document(
        version=setup.version,
        data=payload,
        sender=SENDER,
        addressee=ADDRESSEE,
        created=dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC),
    )


def pesel(n: int) -> str:
    """A valid PESEL for someone born 1 Jan 1990 with serial ``n``."""
    digits = f"900101{n:04d}"
    return digits + stdnum_pesel.calc_check_digit(digits)


# A settings module for worker subprocesses started by tests (extended by the caller).
WORKER_SETTINGS = """
from sekap.settings import *  # noqa: F401,F403
"""
