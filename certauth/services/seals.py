"""Server-held electronic seals: one per office (UPOs, letters) and the platform seal.

The keys live in the CA's key custody: on the PKCS#11 token when ``CA_PKCS11_MODULE`` is set
(generated there, non-extractable), else encrypted PKCS#8 files under ``var/pki``; named
``seal-<terc>-<random>``. The database holds the certificate (profile ``office-seal``,
``office_terc`` set) and the key's custody reference (``Certificate.key_ref``). A seal is issued
on first use, under a row lock on the issuing CA, so concurrent first uses issue exactly one
certificate.

Callers get a :class:`certauth.keys.XmlSigningKey` (the structural ``SigningKey`` protocol of
``signatures.signer``: certauth never imports ``signatures``, its sibling) and the chain
``[seal, issuing CA, root CA]``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from .. import keys
from ..conf import pki_dir, pki_path, setting
from ..errors import CaNotInitialised
from ..models import Certificate, CertificateAuthority, CertificateStatus, Profile
from .ceremony import ISSUING_SLUG, ROOT_SLUG, ca_init
from .issuance import certificate_issue, seal_subject

SEAL_PROFILE = "office-seal"
PLATFORM_TERC = "SEKAP"  # marks the platform seal (``office_terc`` of its certificate)
PLATFORM_NAME = "Platforma SEKAP"
RENEW_BEFORE = dt.timedelta(days=30)
CACHE_SECONDS = 300.0

SealMaterial = tuple[keys.XmlSigningKey, list[x509.Certificate]]

_cache: dict[tuple[str, str], tuple[float, SealMaterial]] = {}
_cache_lock = threading.Lock()


def forget_cached_seals() -> None:
    """Drop the seals held in memory (tests; after revoking a seal)."""
    with _cache_lock:
        _cache.clear()


def _spki(public_key: keys.PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_prefix(terc: str) -> str:
    if not terc.isalnum():
        raise ValueError("a seal is named by an alphanumeric TERC code")
    return f"seal-{terc}-"


def _find_key(terc: str, row: Certificate) -> keys.XmlSigningKey | None:
    """The key of the seal certificate ``row``: by its custody reference, or (seals issued
    before the reference was stored) the key file whose public key matches."""
    wanted = _spki(x509.load_der_x509_certificate(bytes(row.der)).public_key())  # type: ignore[arg-type]
    refs = (
        [row.key_ref]
        if row.key_ref
        else [
            f"file:{path.name.removesuffix('.p8.pem')}"
            for path in sorted(pki_dir().glob(f"{_key_prefix(terc)}*.p8.pem"))
        ]
    )
    for ref in refs:
        signer = keys.load_signer(ref)
        if _spki(signer.public_key) == wanted:
            return keys.XmlSigningKey(signer)
    return None


def _chain(row: Certificate) -> list[x509.Certificate]:
    chain = [x509.load_der_x509_certificate(bytes(row.der))]
    ca: CertificateAuthority | None = row.ca
    while ca is not None:
        chain.append(x509.load_der_x509_certificate(bytes(ca.certificate_der)))
        ca = ca.parent
    return chain


def _current(terc: str) -> Certificate | None:
    return (
        Certificate.objects.select_related("ca", "ca__parent")
        .filter(
            profile__slug=SEAL_PROFILE,
            office_terc=terc,
            status=CertificateStatus.VALID,
            not_after__gt=timezone.now() + RENEW_BEFORE,
        )
        .order_by("-not_after", "-pk")
        .first()
    )


def _platform_subject() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, PLATFORM_NAME),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TERC-{PLATFORM_TERC}"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Platforma SEKAP - pieczęć podpisu osobistego"),
        ]
    )


def _issuing_locked() -> CertificateAuthority:
    ca = CertificateAuthority.objects.select_for_update().filter(slug=ISSUING_SLUG).first()
    if ca is None:
        if not setting("CERTAUTH_SEALS_AUTO_INIT", True):
            raise CaNotInitialised()
        ca_init()
        ca = CertificateAuthority.objects.select_for_update().get(slug=ISSUING_SLUG)
    return ca


def _obtain(terc: str, subject_factory) -> SealMaterial:
    row = _current(terc)
    if row is not None:
        key = _find_key(terc, row)
        if key is not None:
            return key, _chain(row)
    with transaction.atomic():
        ca = _issuing_locked()
        row = _current(terc)  # issued by a concurrent caller while we waited for the lock
        if row is not None:
            key = _find_key(terc, row)
            if key is not None:
                return key, _chain(row)
        key_type = str(setting("CERTAUTH_SEAL_KEY_TYPE", "") or "EC-P256")
        # the configured custody: the PKCS#11 token when one is set up, else an encrypted file
        signer = keys.generate_key(
            name=f"{_key_prefix(terc)}{secrets.token_hex(6)}", key_type=key_type
        )
        row = certificate_issue(
            ca=ca,
            profile=Profile.objects.get(slug=SEAL_PROFILE),
            public_key=signer.public_key,
            subject=subject_factory(),
            actor=None,
            office_terc=terc,
            # an office's seal is in its operators' scope; the platform's in CPD admins' only
            ra_office_terc="" if terc == PLATFORM_TERC else terc,
            key_ref=signer.key_ref,
        )
        row = Certificate.objects.select_related("ca", "ca__parent").get(pk=row.pk)
        return keys.XmlSigningKey(signer), _chain(row)


def _cached(terc: str, subject_factory) -> SealMaterial:
    slot = (str(pki_path()), terc)  # a key only: the seal's own read makes the directory
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(slot)
    if hit is not None and hit[0] > now:
        return hit[1]
    material = _obtain(terc, subject_factory)
    with _cache_lock:
        _cache[slot] = (now + CACHE_SECONDS, material)
    return material


def office_seal(*, terc: str, name: str) -> SealMaterial:
    """The office's seal key and chain ``[seal, issuing, root]``, issued on first use."""
    return _cached(terc, lambda: seal_subject(office_name=name, office_terc=terc))


def platform_seal() -> SealMaterial:
    """The platform seal used for SEKAP personal signatures (made on behalf of a verified
    person; internally still called the trusted profile)."""
    return _cached(PLATFORM_TERC, _platform_subject)


def seal_certificate(*, terc: str) -> Certificate | None:
    """The current seal certificate row of an office (``PLATFORM_TERC`` for the platform)."""
    return _current(terc)


def platform_seal_fingerprints() -> list[str]:
    """SHA-256 (hex) of every valid platform seal certificate, for the signature validator."""
    return list(
        Certificate.objects.filter(
            profile__slug=SEAL_PROFILE,
            office_terc=PLATFORM_TERC,
            status=CertificateStatus.VALID,
        ).values_list("sha256", flat=True)
    )


def trust_anchors() -> list[bytes]:
    """The SEKAP root CA certificate (DER): a ``SIGNATURES_TRUST_ANCHORS_PROVIDER``."""
    return [
        bytes(der)
        for der in CertificateAuthority.objects.filter(slug=ROOT_SLUG).values_list(
            "certificate_der", flat=True
        )
    ]


def seals_seed(*, offices: list[tuple[str, str]]) -> tuple[int, int]:
    """Make sure every office in ``offices`` ((terc, name) pairs) and the platform has a seal.

    Returns (issued, existing).
    """
    issued = existing = 0
    for terc, name in [*offices, (PLATFORM_TERC, PLATFORM_NAME)]:
        if _current(terc) is not None:
            existing += 1
        else:
            issued += 1
        if terc == PLATFORM_TERC:
            platform_seal()
        else:
            office_seal(terc=terc, name=name)
    return issued, existing


__all__ = [
    "PLATFORM_TERC",
    "forget_cached_seals",
    "office_seal",
    "platform_seal",
    "platform_seal_fingerprints",
    "seal_certificate",
    "seals_seed",
    "trust_anchors",
]
