"""Audit chain anchors: the head time-stamped by the platform's own TSA and kept off-host."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from certauth.selectors import intermediate_certificates_der, root_certificates_der
from certauth.tests.fixtures import ca, pki_dir  # noqa: F401
from sekap import audit
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.anchors import anchor_heads, statement_for, verify_anchors
from sekap.audit.chain import entry_hash
from sekap.audit.models import AuditEntry, AuditHead
from sekap.audit.tasks import audit_anchor_heads

pytestmark = pytest.mark.django_db


@pytest.fixture
def anchor_dir(settings, tmp_path) -> Path:
    return Path(settings.STORAGES["audit_anchors"]["OPTIONS"]["location"])


@pytest.fixture
def entries(ca):  # noqa: F811
    user = UserFactory()
    return [audit.record(actor=user, action=f"test.anchor{i}", target=user) for i in range(3)]


def _pem(ders: list[bytes]) -> str:
    return "".join(
        x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode() for der in ders
    )


def _verify() -> tuple[int, str]:
    try:
        call_command("audit_verify")
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, "OK"


def _rewrite_whole_chain_from(seq: int, *, action: str) -> None:
    """What an attacker with full database rights does: edit an entry and re-hash the rest."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    previous = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        if entry.seq == seq:
            entry.action = action
        entry.prev_hash = previous
        fields = {f: getattr(entry, f) for f in ("seq", "created_at", "actor_repr", "action")}
        entry.hash = entry_hash(
            **fields,
            actor_id=entry.actor_id,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_repr=entry.target_repr,
            before=entry.before,
            after=entry.after,
            request_id=entry.request_id,
            ip=entry.ip,
            prev_hash=entry.prev_hash,
        )
        AuditEntry.objects.filter(pk=entry.pk).update(
            action=entry.action, prev_hash=entry.prev_hash, hash=entry.hash
        )
        previous = entry.hash
    AuditHead.objects.filter(pk=1).update(hash=previous)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_command_anchors_the_head_with_a_token_from_the_platform_tsa(entries, anchor_dir, capsys):
    head = AuditHead.objects.get(pk=1)

    call_command("audit_anchor")

    files = sorted(anchor_dir.glob("chain-1/*.json"))
    assert len(files) == 1
    body = json.loads(files[0].read_text())
    assert body["chain"] == 1 and body["seq"] == head.seq and body["hash"] == head.hash
    assert body["statement"] == f"SEKAP audit chain 1 entry {head.seq} hash {head.hash}\n"
    assert f"entry #{head.seq} {head.hash}" in capsys.readouterr().out
    # The token is a real RFC 3161 token over the statement: openssl checks it on its own.
    statement = anchor_dir / "statement.txt"
    statement.write_text(body["statement"])
    token = anchor_dir / "token.der"
    token.write_bytes(base64.b64decode(body["timestamp_token"]))
    roots, untrusted = anchor_dir / "roots.pem", anchor_dir / "issuing.pem"
    roots.write_text(_pem(root_certificates_der()))
    untrusted.write_text(_pem(intermediate_certificates_der()))
    result = subprocess.run(
        [
            *("openssl", "ts", "-verify", "-data", str(statement), "-in", str(token)),
            *("-token_in", "-CAfile", str(roots), "-untrusted", str(untrusted)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Verification: OK" in result.stdout


def test_verify_accepts_a_chain_that_grew_after_the_anchor(entries, capsys):
    anchor_heads()
    audit.record(action="test.after_anchor")

    assert _verify() == (0, "OK")
    assert capsys.readouterr().out.strip() == "OK (1 anchors match)"


def test_rewritten_chain_passes_the_hash_walk_but_not_the_anchor(entries):
    anchored = anchor_heads()[0]

    _rewrite_whole_chain_from(entries[1].seq, action="test.forged")

    code, message = _verify()
    assert code == 1
    assert f"entry #{anchored.seq} of chain 1 differs from the anchored hash" in message


def test_truncated_chain_is_reported_against_the_anchor(entries):
    anchored = anchor_heads()[0]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    last = AuditEntry.objects.get(seq=anchored.seq)
    AuditEntry.objects.filter(seq__gte=anchored.seq).delete()
    AuditHead.objects.filter(pk=1).update(seq=last.seq - 1, hash=last.prev_hash)

    checked, problems = verify_anchors()

    assert checked == 1
    assert [p.reason for p in problems] == [
        f"chain 1 ends before the anchored entry #{anchored.seq}"
    ]


def test_edited_anchor_file_is_refused(entries, anchor_dir):
    anchored = anchor_heads()[0]
    path = anchor_dir / anchored.name
    body = json.loads(path.read_text())
    forged_hash = "f" * 64
    body["hash"] = forged_hash
    body["statement"] = statement_for(chain=1, seq=anchored.seq, head_hash=forged_hash)
    path.write_text(json.dumps(body))

    checked, problems = verify_anchors()

    assert checked == 1 and len(problems) == 1
    assert problems[0].reason.startswith("time-stamp invalid: The time-stamp message imprint")


def test_anchor_without_a_tsa_fails_loudly_and_writes_nothing(db, anchor_dir, settings):
    settings.AUDIT_TIMESTAMPER = "certauth.tsa.timestamp"
    audit.record(action="test.no_tsa")  # no CA initialised: the TSA refuses

    with pytest.raises(CommandError, match="time-stamping authority"):
        call_command("audit_anchor")

    assert not list(anchor_dir.glob("chain-*/*.json"))


def test_beat_task_anchors_every_chain(entries, anchor_dir, settings):
    assert settings.CELERY_BEAT_SCHEDULE["audit-anchor-heads"] == {
        "task": "sekap.audit.tasks.audit_anchor_heads",
        "schedule": 24 * 3600,
    }
    head = AuditHead.objects.get(pk=1)

    result = audit_anchor_heads.delay().get()

    assert result["anchors"][0]["chain"] == 1 and result["anchors"][0]["seq"] == head.seq
    assert (anchor_dir / result["anchors"][0]["name"]).exists()
