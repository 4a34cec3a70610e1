"""Full and delta CRLs, built in one pass over the stored CRL entries.

Each revoked certificate carries its encoded CRL entry (``Certificate.crl_entry``), written when
its status changes. Publishing reads every entry once, joins the bytes for the full CRL and
picks the entries changed since the delta base for the delta CRL; cryptography encodes the
header and extensions (built with no entries), the entries are spliced in, and the TBS is signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sekap import audit

from .. import der, keys
from ..conf import setting
from ..models import REASON_CODES, Certificate, CertificateAuthority, Crl
from .issuance import ca_certificate, ca_urls

REASON_OID = bytes.fromhex("0603551d15")  # id-ce-cRLReasons (2.5.29.21)


def crl_entry_der(*, serial: int, revoked_at: dt.datetime, reason: str) -> bytes:
    """One revokedCertificates entry; the reason extension is omitted for 'unspecified'."""
    parts = [der.integer(serial), der.time(revoked_at)]
    code = REASON_CODES[reason]
    if code:
        reason_ext = der.sequence(REASON_OID, der.tlv(0x04, der.tlv(0x0A, bytes([code]))))
        parts.append(der.sequence(reason_ext))
    return der.sequence(*parts)


def crl_validity() -> dt.timedelta:
    return dt.timedelta(hours=float(setting("CERTAUTH_CRL_VALIDITY_HOURS", 24)))


def delta_base_period() -> dt.timedelta:
    return dt.timedelta(hours=float(setting("CERTAUTH_DELTA_BASE_HOURS", 24)))


def _sign_crl(
    *,
    signer: keys.Signer,
    issuer: x509.Certificate,
    number: int,
    this_update: dt.datetime,
    next_update: dt.datetime,
    entries: list[bytes],
    extra: list[x509.ExtensionType],
) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            False,
        )
        .add_extension(x509.CRLNumber(number), False)
    )
    for extension in extra:
        builder = builder.add_extension(extension, isinstance(extension, x509.DeltaCRLIndicator))
    empty = builder.sign(signer.builder_key(), signer.hash_algorithm)
    outer = der.children(empty.public_bytes(serialization.Encoding.DER))
    tbs_parts = der.children(outer[0])
    # version, signature, issuer, thisUpdate, nextUpdate, [0] crlExtensions
    if entries:
        tbs_parts.insert(5, der.sequence(*entries))
    tbs = der.sequence(*tbs_parts)
    return der.sequence(tbs, outer[1], der.bit_string(signer.sign(tbs)))


@transaction.atomic
def crl_publish(
    *,
    ca: CertificateAuthority,
    actor: Any = None,
    signer: keys.Signer | None = None,
    validity: dt.timedelta | None = None,
) -> tuple[Crl, Crl]:
    """Issue a new full CRL and a delta CRL for ``ca``; returns (full, delta).

    ``signer`` is given for a CA whose key is offline (the root, signed in a ceremony, see
    ``ceremony.root_crl_sign``); it must be the CA's key. ``validity`` overrides
    ``CERTAUTH_CRL_VALIDITY_HOURS``.
    """
    ca = CertificateAuthority.objects.select_for_update().get(pk=ca.pk)
    if signer is None:
        signer = keys.load_signer(ca.key_ref)  # raises KeyOffline for an offline key
    issuer = ca_certificate(ca)
    if keys.spki_sha256(signer.public_key) != keys.spki_sha256(issuer.public_key()):  # type: ignore[arg-type]
        raise keys.KeyCustodyError("this key is not the CA's key")
    now = timezone.now().replace(microsecond=0)
    next_update = now + (validity or crl_validity())
    full_number = ca.crl_number + 1
    delta_number = full_number + 1
    rotate = (
        ca.delta_base_number is None
        or ca.delta_base_at is None
        or now - ca.delta_base_at >= delta_base_period()
    )
    if rotate:
        base_number, base_seq = full_number, ca.status_seq
    else:
        base_number, base_seq = ca.delta_base_number, ca.delta_base_seq

    full_entries: list[bytes] = []
    delta_entries: list[bytes] = []
    rows = (
        Certificate.objects.filter(ca=ca)
        .filter(Q(crl_entry__isnull=False) | Q(status_seq__gt=base_seq))
        .values_list("crl_entry", "status_seq", "serial_hex", "hold_released_at")
        .iterator(chunk_size=20000)
    )
    for entry, seq, serial, released_at in rows:
        if entry is not None:
            entry = bytes(entry)
            full_entries.append(entry)
            if seq > base_seq:
                delta_entries.append(entry)
        elif seq > base_seq and released_at is not None:
            delta_entries.append(
                crl_entry_der(
                    serial=int(serial, 16), revoked_at=released_at, reason="remove_from_crl"
                )
            )

    urls = ca_urls(ca)
    freshest = x509.FreshestCRL(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(urls["delta_crl"])],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )
    full_der = _sign_crl(
        signer=signer,
        issuer=issuer,
        number=full_number,
        this_update=now,
        next_update=next_update,
        entries=full_entries,
        extra=[freshest],
    )
    delta_der = _sign_crl(
        signer=signer,
        issuer=issuer,
        number=delta_number,
        this_update=now,
        next_update=next_update,
        entries=delta_entries,
        extra=[x509.DeltaCRLIndicator(base_number)],
    )
    full = Crl.objects.create(
        ca=ca,
        number=full_number,
        this_update=now,
        next_update=next_update,
        entries=len(full_entries),
        der=full_der,
        sha256=hashlib.sha256(full_der).hexdigest(),
    )
    delta = Crl.objects.create(
        ca=ca,
        number=delta_number,
        base_number=base_number,
        this_update=now,
        next_update=next_update,
        entries=len(delta_entries),
        der=delta_der,
        sha256=hashlib.sha256(delta_der).hexdigest(),
    )
    ca.crl_number = delta_number
    ca.crl_next_update = next_update
    if rotate:
        ca.delta_base_number, ca.delta_base_seq, ca.delta_base_at = base_number, base_seq, now
    ca.save(
        update_fields=[
            "crl_number",
            "crl_next_update",
            "delta_base_number",
            "delta_base_seq",
            "delta_base_at",
        ]
    )
    audit.record(
        actor=actor,
        action="certauth.crl_published",
        target=ca,
        after={
            "number": full_number,
            "delta_number": delta_number,
            "delta_base": base_number,
            "entries": len(full_entries),
            "delta_entries": len(delta_entries),
            "next_update": next_update.isoformat(),
            "sha256": full.sha256,
        },
    )
    return full, delta


def crls_due(*, margin: dt.timedelta | None = None) -> list[CertificateAuthority]:
    """CAs whose CRL expires within ``margin`` (default: a quarter of the CRL validity)."""
    margin = margin if margin is not None else crl_validity() / 4
    limit = timezone.now() + margin
    return list(
        CertificateAuthority.objects.filter(
            Q(crl_next_update__isnull=True) | Q(crl_next_update__lte=limit)
        ).exclude(key_ref__startswith=keys.OFFLINE_PREFIX)  # signed in an offline ceremony
    )
