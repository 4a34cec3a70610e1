"""The EU list of trusted lists (LOTL), its pivots, and the member-state lists it points to,
imported from files (no network).

Trust starts from the LOTL signing certificates published in the Official Journal. The
current LOTL may be signed by newer keys: it names, in ``SchemeInformationURI``, the pivot
LOTLs at which the signing keys changed. Each pivot, verified with the keys trusted so far,
announces the next keys in its pointer to the EU LOTL itself; the chain of pivots (oldest
first) leads to the keys that verify the current LOTL. The LOTL's pointer for a territory gives
the certificates that may sign that territory's list; a list is verified with those and must
name the same territory. The granted qualified services of each list become trust anchors
with their qualifications (``signatures.qualification`` reads them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from cryptography import x509
from django.db import transaction

from signatures import pkix, services
from signatures.models import TrustedCertificate, TrustedListImport
from signatures.trustlist import (
    ListOfLists,
    TrustedList,
    TrustedListError,
    parse_list_of_lists,
    parse_trusted_list,
    territory_of,
)

MAX_PIVOTS = 50


@dataclass(frozen=True)
class NamedFile:
    name: str
    data: bytes


@dataclass
class ImportResult:
    lotl: ListOfLists
    pivots_followed: list[int]
    lists: list[TrustedList] = field(default_factory=list)
    imported: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, int] = field(default_factory=dict)


def _pivot_names(lotl_uris: list[str]) -> set[str]:
    return {PurePosixPath(urlsplit(u).path).name for u in lotl_uris if "pivot" in u.lower()}


def follow_pivots(
    *,
    lotl: bytes,
    pivots: Sequence[NamedFile],
    oj_certificates: list[x509.Certificate],
) -> tuple[ListOfLists, list[int]]:
    """Verify the LOTL through its pivots from the Official Journal's certificates.

    ``pivots`` are files; each must be one the LOTL names (by file name) as a pivot. They are
    applied oldest first (by sequence number). Returns the verified LOTL and the sequence
    numbers of the pivots followed."""
    if len(pivots) > MAX_PIVOTS:
        raise TrustedListError("Too many pivot files.")
    trusted = list(oj_certificates)
    followed: list[int] = []
    chain = []
    for pivot in pivots:
        # Parse each pivot once with every key seen so far would be circular; order them by
        # their (unverified) sequence number first, then verify in that order.
        chain.append((_unverified_sequence(pivot.data), pivot))
    for _, pivot in sorted(chain, key=lambda item: item[0]):
        verified = parse_list_of_lists(pivot.data, signer_certificates=trusted)
        own = verified.pointer("EU", lotl=True)
        if own is None or not own.certificates:
            raise TrustedListError(
                f"Pivot {pivot.name} does not announce the list's signing certificates."
            )
        trusted = own.certificates
        followed.append(verified.sequence_number)
    current = parse_list_of_lists(lotl, signer_certificates=trusted)
    named = _pivot_names(current.scheme_uris)
    for pivot in pivots:
        if pivot.name not in named:
            raise TrustedListError(f"The list of trusted lists does not name pivot {pivot.name}.")
    if followed and current.sequence_number <= max(followed):
        raise TrustedListError("The list of trusted lists is older than its pivots.")
    return current, followed


def _unverified_sequence(data: bytes) -> int:
    from sekap.xmlsafe import XmlRejected, parse_untrusted
    from signatures.trustlist import TSL

    try:
        root = parse_untrusted(data).root
        text = root.findtext(f"{{{TSL}}}SchemeInformation/{{{TSL}}}TSLSequenceNumber") or ""
        return int(text.strip())
    except (XmlRejected, ValueError):
        raise TrustedListError("A pivot is not a readable trusted list.") from None


def verify_member_list(data: bytes, *, lotl: ListOfLists) -> TrustedList:
    """A member-state list verified with the certificates the LOTL gives for its territory."""
    claimed = territory_of(data)
    pointer = lotl.pointer(claimed)
    if pointer is None or not pointer.certificates:
        raise TrustedListError(f"The list of trusted lists has no entry for {claimed[:10]!r}.")
    tl = parse_trusted_list(data, signer_certificates=pointer.certificates)
    if tl.territory != claimed:
        raise TrustedListError("The list's territory does not match the signed list.")
    return tl


def import_trusted_lists(
    *,
    lotl: bytes,
    pivots: Sequence[NamedFile],
    oj_certificates: list[x509.Certificate],
    lists: Sequence[bytes],
    actor: object | None = None,
) -> ImportResult:
    """Verify everything first (no database work), then import each list's qualified
    services in one transaction; services a territory's list no longer grants are
    deactivated."""
    current, followed = follow_pivots(lotl=lotl, pivots=pivots, oj_certificates=oj_certificates)
    result = ImportResult(current, followed)
    for data in lists:
        result.lists.append(verify_member_list(data, lotl=current))
    with transaction.atomic():
        for tl in result.lists:
            _import_one(tl, result, actor)
    return result


def _import_one(tl: TrustedList, result: ImportResult, actor: object | None) -> None:
    last = (
        TrustedListImport.objects.select_for_update()
        .filter(territory=tl.territory)
        .order_by("-sequence_number")
        .first()
    )
    if last and last.sequence_number > tl.sequence_number:
        raise TrustedListError(
            f"Older {tl.territory} list (sequence {tl.sequence_number}) than the one imported "
            f"({last.sequence_number})."
        )
    kept = []
    for service in tl.services:
        row = services.trusted_certificate_add(
            certificate=service.der,
            label=f"{tl.territory}: {service.name}"[:200],
            actor=actor,
            source=TrustedCertificate.Source.TRUSTED_LIST,
            service_type=service.service_type,
        )
        row.territory = tl.territory
        row.service_type = service.service_type[:200]
        row.tl_qualifiers = " ".join(service.qualifiers)[:500]
        row.tl_additional = " ".join(service.additional)[:300]
        row.save(update_fields=["territory", "service_type", "tl_qualifiers", "tl_additional"])
        kept.append(row.pk)
    gone = TrustedCertificate.objects.filter(
        source=TrustedCertificate.Source.TRUSTED_LIST, territory=tl.territory, active=True
    ).exclude(pk__in=kept)
    result.deactivated[tl.territory] = 0
    for row in gone:
        services.trusted_certificate_deactivate(certificate=row, actor=actor)
        result.deactivated[tl.territory] += 1
    TrustedListImport.objects.create(
        territory=tl.territory,
        sequence_number=tl.sequence_number,
        issue_date_time=tl.issue_date_time,
        next_update=tl.next_update,
        signer_sha256=pkix.fingerprint(tl.signer),
        document_sha256=tl.document_sha256,
        certificates_imported=len(kept),
    )
    result.imported[tl.territory] = len(kept)


__all__ = ["ImportResult", "NamedFile", "follow_pivots", "import_trusted_lists"]
