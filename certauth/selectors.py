"""Reads of the certificate authority."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import (
    Certificate,
    CertificateAuthority,
    CertificateRequest,
    Crl,
)


def ca_by_slug(slug: str) -> CertificateAuthority | None:
    return CertificateAuthority.objects.filter(slug=slug).first()


def latest_crl(*, ca: CertificateAuthority, delta: bool = False) -> Crl | None:
    return Crl.objects.filter(ca=ca, base_number__isnull=not delta).order_by("-number").first()


def certificate_chain(certificate: Certificate) -> list[bytes]:
    """DER of the certificate followed by its issuers up to the root."""
    chain = [bytes(certificate.der)]
    ca: CertificateAuthority | None = certificate.ca
    while ca is not None:
        chain.append(bytes(ca.certificate_der))
        ca = ca.parent
    return chain


def certificates_of(*, holder: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder=holder).select_related("profile", "ca")


def requests_of(*, user: Any) -> QuerySet[CertificateRequest]:
    return CertificateRequest.objects.filter(requester=user).select_related("profile")


def pending_requests() -> QuerySet[CertificateRequest]:
    return (
        CertificateRequest.objects.filter(status=CertificateRequest.Status.PENDING)
        .select_related("profile", "requester", "subject_user")
        .order_by("created_at")
    )


def search_by_serial(serial: str) -> QuerySet[Certificate]:
    cleaned = serial.strip().lower().replace(":", "").replace(" ", "")
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    cleaned = cleaned.lstrip("0")
    if not cleaned or any(c not in "0123456789abcdef" for c in cleaned):
        return Certificate.objects.none()
    return Certificate.objects.filter(serial_hex=cleaned).select_related("ca", "profile")


def root_certificates_der() -> list[bytes]:
    """The SEKAP root CA certificates: ``SIGNATURES_TRUST_ANCHORS_PROVIDER`` points here."""
    roots = CertificateAuthority.objects.filter(parent__isnull=True)
    return [bytes(der) for der in roots.values_list("certificate_der", flat=True)]


def intermediate_certificates_der() -> list[bytes]:
    """The SEKAP issuing CA certificates, for building paths of signatures made under them."""
    issuing = CertificateAuthority.objects.filter(parent__isnull=False)
    return [bytes(der) for der in issuing.values_list("certificate_der", flat=True)]
