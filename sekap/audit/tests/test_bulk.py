"""``record_many``: the entries it writes are those ``record`` would write (the same chain
hashes), by model instance or by ``audit.target_ref``, on SQLite and on PostgreSQL's COPY."""

from __future__ import annotations

import datetime as dt

import pytest

from sekap import audit
from sekap.audit.bulk import _DUMPS, _hash_and_line, _Texts
from sekap.audit.chain import entry_hash
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain


@pytest.mark.parametrize(
    ("actor_id", "actor_repr", "ip", "request_id", "before", "target_repr"),
    [
        (None, "", None, "", {"status": "new"}, "Opłata skarbowa – zaświadczenie (1700 gr)"),
        (7, 'clerk "A"\t<x>', "10.0.0.1", "req-1", None, 'tab\there "quoted" \\ back'),
        (7, "ż", "::1", "r", {"b": [1, "ł"], "a": {"z": None, "y": True}}, "\n"),
    ],
)
def test_the_assembled_hash_is_the_chains_hash(
    actor_id, actor_repr, ip, request_id, before, target_repr
):
    now = dt.datetime(2026, 11, 30, 13, 0, 0, 123456, tzinfo=dt.UTC)
    after = {"status": "paid", "reason": "bank statement 5"}
    fixed = {
        "actor_id": _DUMPS(actor_id),
        "actor_repr": _DUMPS(actor_repr),
        "created_at": _DUMPS(now.isoformat(timespec="microseconds")),
        "ip": _DUMPS(ip),
        "request_id": _DUMPS(request_id),
        "created_copy": now.isoformat(),
        "actor_copy": "\\N",
        "actor_repr_copy": "",
        "request_copy": "",
        "ip_copy": "\\N",
    }
    digest, line = _hash_and_line(
        chain="office:1",
        fixed=fixed,
        seq=42,
        action="payments.order_transition",
        target=("payments.paymentorder", "1234", target_repr),
        before=_DUMPS(before),
        after=_DUMPS(after),
        previous="ab" * 32,
        texts=_Texts(),
    )
    assert digest == entry_hash(
        seq=42,
        created_at=now,
        actor_id=actor_id,
        actor_repr=actor_repr,
        action="payments.order_transition",
        target_type="payments.paymentorder",
        target_id="1234",
        target_repr=target_repr,
        before=before,
        after=after,
        request_id=request_id,
        ip=ip,
        prev_hash="ab" * 32,
    )
    assert line.count("\t") == 14 and "\n" not in line


class Item:
    office_id = 5

    def __init__(self, pk: int) -> None:
        self.pk = pk

    def __str__(self) -> str:
        return f"item {self.pk}"


@pytest.mark.django_db
def test_record_many_by_reference_chains_like_record():
    first = audit.record(action="test.one", office_id=5, after={"n": 1})
    written = audit.record_many(
        entries=[
            audit.entry(
                "test.many",
                target=audit.target_ref(label="x.item", pk=pk, text=f"item {pk}", office_id=5),
                before={"n": pk},
                after={"n": pk + 1},
            )
            for pk in range(3)
        ]
    )
    last = audit.record(action="test.last", office_id=5)
    entries = list(AuditEntry.objects.filter(chain="office:5").order_by("seq"))
    assert written == 3 and [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[1].prev_hash == first.hash and last.prev_hash == entries[3].hash
    assert [(e.target_type, e.target_id, e.target_repr) for e in entries[1:4]] == [
        ("x.item", str(pk), f"item {pk}") for pk in range(3)
    ]
    assert entries[2].before == {"n": 1} and entries[2].after == {"n": 2}
    assert verify_chain() is None
