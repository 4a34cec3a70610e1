"""Entries collected in a block and written at its end (``collected`` + ``record_many``): the
same chains and content as ``record`` would write, dropped when the caller drops them."""

from __future__ import annotations

import pytest

from sekap import audit
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain

from .test_chain_partitions import OFFICE_A, OFFICE_B, Target

pytestmark = pytest.mark.django_db


def test_collected_entries_are_written_by_record_many_to_their_chains():
    audit.record(action="test.before", office_id=OFFICE_A)
    with audit.collected() as entries:
        assert audit.record(action="test.a", target=Target(OFFICE_A), after={"n": 1}) is None
        audit.record(action="test.b", target=Target(OFFICE_B))
        audit.record(action="test.platform")
        written = audit.record(action="test.given", office_id=OFFICE_B)  # written at once
    assert written is not None and written.chain == "office:202"
    assert AuditEntry.objects.count() == 2  # nothing of the collected ones yet
    with audit.collected() as dropped:
        audit.record(action="test.dropped", target=Target(OFFICE_A))
    assert len(dropped) == 1
    assert audit.record_many(actor=None, entries=entries) == 3
    rows = {e.action: e for e in AuditEntry.objects.all()}
    assert set(rows) == {"test.before", "test.a", "test.b", "test.platform", "test.given"}
    assert (rows["test.a"].chain, rows["test.a"].seq) == ("office:101", 2)
    assert rows["test.a"].prev_hash == rows["test.before"].hash
    assert (rows["test.a"].target_repr, rows["test.a"].after) == ("item of office 101", {"n": 1})
    assert (rows["test.b"].chain, rows["test.b"].seq) == ("office:202", 2)
    assert rows["test.platform"].chain == "platform"
    assert verify_chain() is None
