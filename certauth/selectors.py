"""Reads of the certificate authority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone

from sekap.monitoring.samples import Sample

from .models import (
    Certificate,
    CertificateAuthority,
    CertificateRequest,
    CertificateStatus,
    Crl,
    SubjectKind,
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


def expiry_samples() -> list[Sample]:
    """Seconds left for each CA certificate, each CA's newest full CRL and offices' seals.

    For ``settings.MONITORING_SOURCES``: three small queries a scrape. A seal is reported per
    office by its valid certificate that lasts longest (the one a renewal leaves in use).
    """
    now = timezone.now()
    samples = [
        Sample(
            "sekap_ca_certificate_expiry_seconds",
            "Seconds until a CA certificate expires.",
            (not_after - now).total_seconds(),
            {"ca": slug},
        )
        for slug, not_after in CertificateAuthority.objects.values_list("slug", "not_after")
    ]
    crls = (
        Crl.objects.filter(base_number__isnull=True)
        .values("ca__slug")
        .annotate(next_update=Max("next_update"))
        .order_by()
    )
    samples += [
        Sample(
            "sekap_crl_next_update_seconds",
            "Seconds until the nextUpdate of a CA's newest full CRL.",
            (row["next_update"] - now).total_seconds(),
            {"ca": row["ca__slug"]},
        )
        for row in crls
    ]
    seals = (
        Certificate.objects.filter(
            profile__subject_kind=SubjectKind.SEAL, status=CertificateStatus.VALID
        )
        .values("office_terc")
        .annotate(not_after=Max("not_after"))
        .order_by()
    )
    samples += [
        Sample(
            "sekap_seal_certificate_expiry_seconds",
            "Seconds until an office's longest-lasting valid seal certificate expires.",
            (row["not_after"] - now).total_seconds(),
            {"office_terc": row["office_terc"]},
        )
        for row in seals
    ]
    return samples


def seals_expiring(
    *, office_tercs: Iterable[str], within: dt.timedelta, now: dt.datetime | None = None
) -> dict[str, dt.datetime]:
    """Offices whose seal runs out within ``within``: the ``not_after`` of the office's valid
    seal certificate that lasts longest (a renewal already issued clears the warning). Offices
    with no valid seal at all are not listed here. One query."""
    now = now or timezone.now()
    rows = (
        Certificate.objects.filter(
            profile__subject_kind=SubjectKind.SEAL,
            status=CertificateStatus.VALID,
            office_terc__in=list(office_tercs),
            not_after__gt=now,
        )
        .values("office_terc")
        .annotate(not_after=Max("not_after"))
        .order_by()
    )
    return {
        row["office_terc"]: row["not_after"] for row in rows if row["not_after"] <= now + within
    }
