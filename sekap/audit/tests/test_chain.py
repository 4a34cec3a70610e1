from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from sekap import audit
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry
from sekap.audit.services import verify_chain
from tests.support import require_postgresql

pytestmark = pytest.mark.django_db


def _bypass_trigger():
    """On PostgreSQL an attacker with superuser rights can switch the trigger off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


def _restore_trigger():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def chain():
    user = UserFactory()
    start = AuditEntry.objects.count()
    entries = [
        audit.record(
            actor=user, action=f"test.step{i}", target=user, before={"n": i}, after={"n": i + 1}
        )
        for i in range(5)
    ]
    assert AuditEntry.objects.count() == start + 5
    yield entries
    _restore_trigger()


def _verify_exit_code() -> tuple[int, str]:
    try:
        call_command("audit_verify")
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, "OK"


def test_intact_chain_verifies(chain, capsys):
    assert verify_chain() is None
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "OK (0 anchors match)"


def test_entry_holds_actor_target_and_request_context(chain, client, settings):
    settings.TRUSTED_PROXIES = ["10.1.2.3"]  # X-Request-ID is kept from our proxy only
    entry = chain[2]
    assert entry.actor_repr.endswith("@example.test")
    assert entry.target_type == "accounts.user"
    assert entry.before == {"n": 2} and entry.after == {"n": 3}
    assert entry.prev_hash == chain[1].hash and len(entry.hash) == 64

    response = client.post(
        "/konto/logowanie/",
        {"username": "x@example.test", "password": "bad"},
        HTTP_X_REQUEST_ID="req-12345678",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response["X-Request-ID"] == "req-12345678"
    failed = AuditEntry.objects.filter(action="accounts.login_failed").latest("seq")
    assert failed.request_id == "req-12345678" and failed.ip == "10.1.2.3"


def test_edited_entry_is_detected(chain):
    _bypass_trigger()
    AuditEntry.objects.filter(pk=chain[2].pk).update(after={"n": 999})

    code, message = _verify_exit_code()

    assert code == 1
    assert f"#{chain[2].seq}" in message and "changed" in message


def test_deleted_entry_is_detected(chain):
    _bypass_trigger()
    AuditEntry.objects.filter(pk=chain[1].pk).delete()

    code, message = _verify_exit_code()

    assert code == 1 and f"#{chain[1].seq} is missing" in message


def test_deleted_last_entry_is_detected(chain):
    _bypass_trigger()
    AuditEntry.objects.filter(pk=chain[-1].pk).delete()

    broken = verify_chain()

    assert broken is not None and "end of the chain" in broken.reason


def test_reordered_entries_are_detected(chain):
    _bypass_trigger()
    first, second = chain[1], chain[2]
    # Swap the positions of two entries, keeping each one's own hash.
    AuditEntry.objects.filter(pk=first.pk).update(seq=-1)
    AuditEntry.objects.filter(pk=second.pk).update(seq=first.seq)
    AuditEntry.objects.filter(pk=first.pk).update(seq=second.seq)

    broken = verify_chain()

    assert broken is not None and broken.seq == first.seq


@pytest.mark.postgres
def test_postgresql_trigger_refuses_update_and_delete(chain):
    require_postgresql(connection.vendor, "the append-only trigger exists on PostgreSQL only")
    for change in (
        lambda: AuditEntry.objects.filter(pk=chain[0].pk).update(action="forged"),
        lambda: AuditEntry.objects.filter(pk=chain[0].pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert AuditEntry.objects.get(pk=chain[0].pk).action == "test.step0"
    assert verify_chain() is None


def test_record_many_continues_the_same_chain(chain):
    user = UserFactory()
    written = audit.record_many(
        actor=user,
        entries=[audit.entry("test.bulk", target=user, after={"n": n}) for n in range(3)],
    )
    audit.record(actor=user, action="test.after_bulk")
    assert written == 3
    bulk = list(AuditEntry.objects.filter(action="test.bulk").order_by("seq"))
    assert [entry.after for entry in bulk] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert bulk[0].prev_hash == chain[-1].hash
    assert [entry.seq for entry in bulk] == [
        chain[-1].seq + 1,
        chain[-1].seq + 2,
        chain[-1].seq + 3,
    ]
    assert verify_chain() is None
    _bypass_trigger()
    AuditEntry.objects.filter(pk=bulk[1].pk).update(after={"n": 9})
    assert verify_chain() is not None


def test_record_many_writes_each_entry_to_its_office_chain(chain):
    office = SimpleNamespace(office_id=4242)  # anything done in office 4242
    user = UserFactory()
    audit.record_many(
        actor=user,
        entries=[
            audit.entry("test.office", target=office),
            audit.entry("test.platform", target=user),
            audit.entry("test.office", target=office),
        ],
    )
    in_office = list(AuditEntry.objects.filter(action="test.office").order_by("seq"))
    platform = AuditEntry.objects.get(action="test.platform")
    assert {entry.chain for entry in in_office} == {"office:4242"}
    assert [entry.seq for entry in in_office] == [1, 2]
    assert in_office[1].prev_hash == in_office[0].hash
    assert (platform.chain, platform.seq, platform.prev_hash) == (
        chain[-1].chain,
        chain[-1].seq + 1,
        chain[-1].hash,
    )
    assert verify_chain() is None
