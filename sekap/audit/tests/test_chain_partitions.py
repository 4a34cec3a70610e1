"""One audit chain per office: writers in different offices never wait for each other, and
every chain is still verified on its own (edits, deletions, reordering, truncation)."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from sekap import audit
from sekap.audit.models import AuditEntry, AuditHead
from sekap.audit.services import chain_of, verify_chain
from tests.support import require_postgresql

from .test_chain import _bypass_trigger, _restore_trigger

OFFICE_A, OFFICE_B = 101, 202


class Target:
    """Anything done in an office names it through ``office_id`` (submissions, cases, ...)."""

    def __init__(self, office_id: int) -> None:
        self.office_id = office_id

    def __str__(self) -> str:
        return f"item of office {self.office_id}"


@pytest.mark.django_db
def test_entries_go_to_their_office_chain_and_each_chain_counts_from_one():
    first_a = audit.record(action="test.a", target=Target(OFFICE_A))
    first_b = audit.record(action="test.b", target=Target(OFFICE_B))
    second_a = audit.record(action="test.a2", office_id=OFFICE_A)
    platform = audit.record(action="test.platform")
    assert (first_a.chain, first_a.seq) == ("office:101", 1)
    assert (first_b.chain, first_b.seq) == ("office:202", 1)
    assert (second_a.chain, second_a.seq, second_a.prev_hash) == ("office:101", 2, first_a.hash)
    assert platform.chain == "platform"
    assert chain_of(target=None) == "platform"
    assert verify_chain() is None


@pytest.mark.django_db
def test_tampering_in_one_office_chain_is_found_and_named():
    entries = [audit.record(action=f"test.{i}", office_id=OFFICE_A) for i in range(3)]
    audit.record(action="test.other", office_id=OFFICE_B)
    _bypass_trigger()
    try:
        AuditEntry.objects.filter(pk=entries[1].pk).update(action="test.forged")
        broken = verify_chain()
        assert (broken.chain, broken.seq) == ("office:101", 2)
        assert "changed" in broken.reason
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
        assert verify_chain().reason == "entry #2 is missing"
        AuditEntry.objects.filter(pk=entries[2].pk).delete()  # now cut from the end
        broken = verify_chain()
        assert (broken.chain, broken.reason) == (
            "office:101",
            "entries at the end of the chain are missing",
        )
        AuditHead.objects.filter(key="office:101").delete()  # hiding the chain's head
        assert verify_chain().reason == "the head of this chain is missing"
    finally:
        _restore_trigger()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_in_two_offices_do_not_wait_for_each_other():
    require_postgresql(connection.vendor, "row locks need PostgreSQL")
    audit.record(action="test.warm", office_id=OFFICE_A)  # both heads exist before the race
    audit.record(action="test.warm", office_id=OFFICE_B)
    holding, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def office_a_writer() -> None:
        try:
            with transaction.atomic():
                audit.record(action="test.a.held", office_id=OFFICE_A)
                holding.set()
                release.wait(10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            holding.set()
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=office_a_writer)
    thread.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            entry = audit.record(action="test.b.meanwhile", office_id=OFFICE_B)
        assert entry.chain == "office:202" and entry.seq == 2
        # The same office does wait: office A's head is locked until the first writer commits.
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            audit.record(action="test.a.blocked", office_id=OFFICE_A)
    finally:
        release.set()
        thread.join(10)
    assert not errors
    assert verify_chain() is None
