"""Anchors: the head of each audit chain, time-stamped and kept outside the database.

The hash chain shows that no entry was changed *relative to the others*; someone able to rewrite
the whole table could recompute every hash. An anchor pins the head at a moment: a short
statement naming the chain, the sequence number and the head hash, with an RFC 3161 time-stamp
token over it, written to the ``audit_anchors`` storage (a directory on another host, a WORM
bucket: see docs/security/audit.md). A rewritten chain no longer matches the anchored hashes.

The time-stamp comes from the platform's own TSA, called in-process through the callable named
by ``AUDIT_TIMESTAMPER`` (``data: bytes -> token DER``); anchors are checked with the callable
named by ``AUDIT_TIMESTAMP_VERIFIER`` (``(token DER, data) -> object with ok and message``).
This module knows no other SEKAP app. The statement is plain text, so an anchor can also be
checked without SEKAP: ``openssl ts -verify -data statement.txt -in token.der -CAfile root.pem``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import AuditEntry, AuditHead

STORAGE_ALIAS = "audit_anchors"
FORMAT = "sekap-audit-anchor/1"


@dataclass(frozen=True)
class Anchor:
    name: str
    chain: int
    seq: int
    hash: str
    statement: str
    token: bytes


@dataclass(frozen=True)
class AnchorProblem:
    name: str
    reason: str


class AnchorError(Exception):
    """An anchor could not be made (no TSA, storage unreachable)."""


def statement_for(*, chain: int, seq: int, head_hash: str) -> str:
    """The exact bytes the time-stamp covers (UTF-8 of this text)."""
    return f"SEKAP audit chain {chain} entry {seq} hash {head_hash}\n"


def _storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _chains() -> Iterator[AuditHead]:
    """Every chain that exists: one head row per chain."""
    return AuditHead.objects.filter(seq__gt=0).order_by("pk").iterator()


def _entry_hash(*, head: AuditHead, seq: int) -> str | None:
    return AuditEntry.objects.filter(chain=head.key, seq=seq).values_list("hash", flat=True).first()


def anchor_heads(*, now: datetime | None = None) -> list[Anchor]:
    """Time-stamp the head of every chain and store the anchors. Call outside any transaction."""
    timestamper = import_string(settings.AUDIT_TIMESTAMPER)
    storage = _storage()
    now = (now or timezone.now()).astimezone(UTC)
    anchors = []
    for head in _chains():
        statement = statement_for(chain=head.pk, seq=head.seq, head_hash=head.hash)
        try:
            token = timestamper(statement.encode("utf-8"))
        except Exception as exc:
            raise AnchorError(f"The time-stamping authority failed: {exc}") from exc
        body = {
            "format": FORMAT,
            "chain": head.pk,
            "seq": head.seq,
            "hash": head.hash,
            "anchored_at": now.isoformat(timespec="seconds"),
            "statement": statement,
            "timestamp_token": base64.b64encode(token).decode("ascii"),
        }
        name = f"chain-{head.pk}/{now:%Y%m%dT%H%M%SZ}-seq-{head.seq:012d}.json"
        content = json.dumps(body, indent=2, sort_keys=True).encode("utf-8")
        try:
            name = storage.save(name, ContentFile(content))
        except OSError as exc:
            raise AnchorError(f"The anchor could not be written: {exc}") from exc
        anchors.append(Anchor(name, head.pk, head.seq, head.hash, statement, token))
    return anchors


def _load(storage: Storage, name: str) -> Anchor:
    with storage.open(name, "rb") as handle:
        body = json.loads(handle.read().decode("utf-8"))
    if body.get("format") != FORMAT:
        raise ValueError("unknown format")
    return Anchor(
        name=name,
        chain=int(body["chain"]),
        seq=int(body["seq"]),
        hash=str(body["hash"]),
        statement=str(body["statement"]),
        token=base64.b64decode(body["timestamp_token"], validate=True),
    )


def stored_anchors() -> Iterator[Anchor | AnchorProblem]:
    storage = _storage()
    try:
        folders, _ = storage.listdir("")
    except FileNotFoundError:
        return
    for folder in sorted(folders):
        if not folder.startswith("chain-"):
            continue
        for file_name in sorted(storage.listdir(folder)[1]):
            name = f"{folder}/{file_name}"
            try:
                yield _load(storage, name)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                yield AnchorProblem(name, f"cannot be read ({type(exc).__name__})")


def verify_anchors() -> tuple[int, list[AnchorProblem]]:
    """Check each stored anchor's token and that the chain still holds the anchored hash."""
    verifier = import_string(settings.AUDIT_TIMESTAMP_VERIFIER)
    checked, problems = 0, []
    heads = {head.pk: head for head in AuditHead.objects.all()}
    for anchor in stored_anchors():
        if isinstance(anchor, AnchorProblem):
            problems.append(anchor)
            continue
        checked += 1
        expected = statement_for(chain=anchor.chain, seq=anchor.seq, head_hash=anchor.hash)
        if anchor.statement != expected:
            problems.append(AnchorProblem(anchor.name, "its statement does not match its fields"))
            continue
        check = verifier(anchor.token, anchor.statement.encode("utf-8"))
        if not check.ok:
            problems.append(AnchorProblem(anchor.name, f"time-stamp invalid: {check.message}"))
            continue
        head = heads.get(anchor.chain)
        if head is None or head.seq < anchor.seq:
            problems.append(
                AnchorProblem(
                    anchor.name,
                    f"chain {anchor.chain} ends before the anchored entry #{anchor.seq}",
                )
            )
            continue
        if _entry_hash(head=head, seq=anchor.seq) != anchor.hash:
            problems.append(
                AnchorProblem(
                    anchor.name,
                    f"entry #{anchor.seq} of chain {anchor.chain} differs from the anchored hash",
                )
            )
    return checked, problems
