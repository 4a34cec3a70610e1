"""Building and signing certificates from profiles."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from django.db import IntegrityError, transaction
from django.utils import timezone

from sekap import audit

from .. import keys
from ..conf import base_url
from ..errors import BadCsr, KeyNotAllowed
from ..models import Certificate, CertificateAuthority, Profile
from .ocsp_presign import schedule_presign

KEY_USAGE_FLAGS = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def random_serial() -> int:
    """A positive serial with 127 random bits (RFC 5280: at most 20 octets; CA/B: >= 64 bits)."""
    return secrets.randbits(127) | (1 << 120)


def serial_hex(serial: int) -> str:
    return format(serial, "x")


@lru_cache(maxsize=64)
def _load_cert(data: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(data)


def ca_certificate(ca: CertificateAuthority) -> x509.Certificate:
    return _load_cert(bytes(ca.certificate_der))


def ca_urls(ca: CertificateAuthority, *, base: str | None = None) -> dict[str, str]:
    """The OCSP, CA certificate and CRL addresses written into what ``ca`` issues, under
    ``base`` (default: the configured public PKI prefix)."""
    base = base_url() if base is None else base
    return {
        "ocsp": f"{base}/pki/ocsp",
        "ca_issuers": f"{base}/pki/ca/{ca.slug}.crt",
        "crl": f"{base}/pki/crl/{ca.slug}.crl",
        "delta_crl": f"{base}/pki/crl/{ca.slug}-delta.crl",
    }


def _truncate(value: str, limit: int = 64) -> str:
    return value.strip()[:limit]


def citizen_subject(*, given_name: str, surname: str, pesel: str) -> x509.Name:
    """Natural person (ETSI EN 319 412-2): serialNumber ``PNOPL-<PESEL>`` (EN 319 412-1 §5.1.3)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.GIVEN_NAME, _truncate(given_name)),
            x509.NameAttribute(NameOID.SURNAME, _truncate(surname)),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PNOPL-{pesel}"),
            x509.NameAttribute(NameOID.COMMON_NAME, _truncate(f"{given_name} {surname}")),
        ]
    )


def clerk_subject(*, given_name: str, surname: str, office_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _truncate(office_name)),
            x509.NameAttribute(NameOID.GIVEN_NAME, _truncate(given_name)),
            x509.NameAttribute(NameOID.SURNAME, _truncate(surname)),
            x509.NameAttribute(NameOID.COMMON_NAME, _truncate(f"{given_name} {surname}")),
        ]
    )


def seal_subject(*, office_name: str, office_terc: str) -> x509.Name:
    """Legal-person seal: office name in O and CN, its TERC code in serialNumber ``TERC-<code>``."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _truncate(office_name)),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TERC-{office_terc}"),
            x509.NameAttribute(NameOID.COMMON_NAME, _truncate(office_name)),
        ]
    )


def service_subject(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SEKAP"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def parse_csr(data: bytes) -> x509.CertificateSigningRequest:
    """Load a PEM or DER PKCS#10 request and check its self-signature (proof of possession)."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(data)
        else:
            csr = x509.load_der_x509_csr(data)
        if not csr.is_signature_valid:
            raise BadCsr
        csr.public_key()
    except BadCsr:
        raise
    except Exception as exc:
        raise BadCsr from exc
    return csr


def check_key_allowed(*, profile: Profile, public_key: Any) -> str:
    key_type = keys.key_type_of(public_key)
    if key_type is None or key_type not in profile.allowed_key_types:
        raise KeyNotAllowed
    return key_type


def profile_extensions(
    *, profile: Profile, ca: CertificateAuthority, public_key: Any
) -> list[tuple[x509.ExtensionType, bool]]:
    issuer = ca_certificate(ca)
    urls = ca_urls(ca)
    flags = {name: name in profile.key_usage for name in KEY_USAGE_FLAGS}
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(**flags), True),
        (x509.SubjectKeyIdentifier.from_public_key(public_key), False),
        (
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            False,
        ),
    ]
    if profile.extended_key_usage:
        extensions.append(
            (
                x509.ExtendedKeyUsage(
                    [x509.ObjectIdentifier(o) for o in profile.extended_key_usage]
                ),
                profile.extended_key_usage_critical,
            )
        )
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(urls["ca_issuers"]),
        )
    ]
    if not profile.ocsp_nocheck:
        access.insert(
            0,
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(urls["ocsp"])
            ),
        )
    extensions.append((x509.AuthorityInformationAccess(access), False))
    if profile.ocsp_nocheck:
        extensions.append((x509.OCSPNoCheck(), False))
    else:
        extensions.append(
            (
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(urls["crl"])],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                False,
            )
        )
    if profile.policy_oids:
        extensions.append(
            (
                x509.CertificatePolicies(
                    [
                        x509.PolicyInformation(x509.ObjectIdentifier(o), None)
                        for o in profile.policy_oids
                    ]
                ),
                False,
            )
        )
    return extensions


def _now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)


def sign_and_store(
    *,
    ca: CertificateAuthority,
    subject: x509.Name,
    public_key: Any,
    extensions: list[tuple[x509.ExtensionType, bool]],
    validity: dt.timedelta,
    profile: Profile | None,
    is_ca: bool = False,
    holder: Any = None,
    request: Any = None,
    office_terc: str = "",
    ra_office_terc: str = "",
    key_ref: str = "",
) -> Certificate:
    """Sign one certificate with the CA key and store it; retries on a serial collision."""
    signer = keys.load_signer(ca.key_ref)
    issuer = ca_certificate(ca)
    not_before = _now()
    not_after = min(not_before + validity, ca.not_after)
    for _attempt in range(3):
        serial = random_serial()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)
        cert = keys.sign_certificate(signer, builder)
        data = cert.public_bytes(serialization.Encoding.DER)
        cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    ca=ca,
                    profile=profile,
                    request=request,
                    holder=holder,
                    serial_hex=serial_hex(serial),
                    subject=subject.rfc4514_string(),
                    common_name=str(cn[0].value) if cn else "",
                    office_terc=office_terc,
                    ra_office_terc=ra_office_terc,
                    key_ref=key_ref,
                    key_type=keys.key_type_of(public_key) or "",
                    der=data,
                    sha256=hashlib.sha256(data).hexdigest(),
                    not_before=not_before,
                    not_after=not_after,
                    is_ca=is_ca,
                )
        except IntegrityError:  # a serial collision (2^-127): draw again
            continue
    raise RuntimeError("could not allocate a unique serial")


@transaction.atomic
def certificate_issue(
    *,
    ca: CertificateAuthority,
    profile: Profile,
    public_key: Any,
    subject: x509.Name,
    actor: Any,
    holder: Any = None,
    request: Any = None,
    office_terc: str = "",
    ra_office_terc: str = "",
    key_ref: str = "",
) -> Certificate:
    """Issue an end-entity certificate under ``profile``; the subject comes from verified data.

    ``ra_office_terc`` is the registration-authority office that enrolled the holder (the scope
    of its operators); ``key_ref`` names the key when the platform holds it (seals).
    """
    check_key_allowed(profile=profile, public_key=public_key)
    certificate = sign_and_store(
        ca=ca,
        subject=subject,
        public_key=public_key,
        extensions=profile_extensions(profile=profile, ca=ca, public_key=public_key),
        validity=dt.timedelta(days=profile.validity_days),
        profile=profile,
        holder=holder,
        request=request,
        office_terc=office_terc,
        ra_office_terc=ra_office_terc,
        key_ref=key_ref,
    )
    audit.record(
        actor=actor,
        action="certauth.certificate_issued",
        target=certificate,
        after={
            "ca": ca.slug,
            "profile": profile.slug,
            "serial": certificate.serial_hex,
            "subject": certificate.subject,
            "sha256": certificate.sha256,
        },
    )
    schedule_presign(certificate=certificate)
    return certificate
