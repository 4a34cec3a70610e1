"""What the drill checks afterwards, read straight from the drill's database (SQL, so nothing of
the project's own code vouches for itself).

A submission is *stored whole* when its row has its receipt (the sealed UPP), the receipt's
inbox message and its one ``documents.submission_received`` audit entry. It is *processed* when
its intake completed and left exactly one of each side effect: one incoming-register entry
(RPW number) with its one ``documents.registered`` audit entry, one case opened for it (one
``received`` case event naming it), one notice in the inbox. More than one of any of these is
*processed twice*. RPW numbers must stay unique and gap-free per office and year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg2

from .load import Outcome

PER_SUBMISSION = """
SELECT s.idempotency_key, s.public_id::text, s.stage,
  (SELECT count(*) FROM documents_receipt r WHERE r.submission_id = s.id),
  (SELECT count(*) FROM documents_inboxmessage m
     WHERE m.submission_id = s.id AND m.kind = 'receipt'),
  (SELECT count(*) FROM audit_auditentry a WHERE a.action = 'documents.submission_received'
     AND a.target_type = 'documents.submission' AND a.target_id = s.id::text),
  (SELECT count(*) FROM documents_registerentry e WHERE e.submission_id = s.id),
  (SELECT count(*) FROM audit_auditentry a JOIN documents_registerentry e
     ON a.target_type = 'documents.registerentry' AND a.target_id = e.id::text
     WHERE a.action = 'documents.registered' AND e.submission_id = s.id),
  (SELECT count(*) FROM documents_caseevent c
     WHERE c.action = 'received' AND c.document_ref = s.public_id::text),
  (SELECT count(*) FROM documents_inboxmessage m
     WHERE m.submission_id = s.id AND m.kind = 'notice'),
  s.intake_attempts
FROM documents_submission s
WHERE s.idempotency_key LIKE %s
"""

RPW_GAPS = """
SELECT office_id, year, count(*), count(DISTINCT number), min(number), max(number)
FROM documents_registerentry GROUP BY office_id, year
"""


@dataclass
class Row:
    key: str
    public_id: str
    stage: int
    receipts: int
    receipt_messages: int
    received_audit: int
    register_entries: int
    registered_audit: int
    cases: int
    notices: int
    attempts: int

    @property
    def stored_whole(self) -> bool:
        return self.receipts == 1 and self.receipt_messages == 1 and self.received_audit == 1

    @property
    def processed_once(self) -> bool:
        return self.stage == 40 and all(
            count == 1
            for count in (self.register_entries, self.registered_audit, self.cases, self.notices)
        )

    @property
    def processed_twice(self) -> bool:
        return any(
            count > 1
            for count in (self.receipts, self.receipt_messages, self.received_audit,
                          self.register_entries, self.registered_audit, self.cases, self.notices)
        )  # fmt: skip


@dataclass
class Figures:
    fault: str
    sent: int = 0
    acknowledged: int = 0
    answered_error_then_201: int = 0  # the client retried with the same key and got its 201
    errors: int = 0  # never got a 201 (gave up)
    error_statuses: dict[int, int] = field(default_factory=dict)
    processed: int = 0
    processed_twice: int = 0
    lost: int = 0
    unprocessed: int = 0
    half_stored: int = 0
    stored_though_refused: int = 0
    rpw_problems: list[str] = field(default_factory=list)
    recovered_by_sweeper: int = 0
    retried_intakes: int = 0
    worker_restarts: int = 0  # by the supervisor (the worker exited)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        statuses = ", ".join(
            f"{status or 'no answer'}: {count}"
            for status, count in sorted(self.error_statuses.items())
        )
        return (
            f"{self.fault}: sent {self.sent}, acknowledged (201) {self.acknowledged}"
            f" ({self.answered_error_then_201} after a retried error), errors {self.errors}"
            f" [answers seen: {statuses or 'none'}], processed {self.processed},"
            f" processed twice {self.processed_twice}, lost {self.lost},"
            f" unprocessed {self.unprocessed}, half-stored {self.half_stored},"
            f" stored though refused {self.stored_though_refused};"
            f" intakes run more than once {self.retried_intakes},"
            f" recovered by the sweeper {self.recovered_by_sweeper},"
            f" worker restarted by the supervisor {self.worker_restarts}"
        )


def rows(dsn: str, label: str) -> dict[str, Row]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(PER_SUBMISSION, [f"{label}-%"])
        found = [Row(*record) for record in cursor.fetchall()]
    return {row.key: row for row in found}


def rpw_problems(dsn: str) -> list[str]:
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(RPW_GAPS)
        groups = cursor.fetchall()
    return [
        f"office {office} {year}: {count} entries, {distinct} numbers, {low}..{high}"
        for office, year, count, distinct, low, high in groups
        if not (count == distinct == high and low == 1)
    ]


def figures(*, fault: str, outcomes: list[Outcome], found: dict[str, Row], dsn: str) -> Figures:
    result = Figures(fault=fault, sent=len(outcomes))
    keys = set()
    for outcome in outcomes:
        keys.add(outcome.key)
        for status in outcome.statuses:
            if status != 201:
                result.error_statuses[status] = result.error_statuses.get(status, 0) + 1
        row = found.get(outcome.key)
        if outcome.acknowledged:
            result.acknowledged += 1
            result.answered_error_then_201 += outcome.had_error
            if row is None or row.public_id != outcome.public_id or not outcome.receipt:
                result.lost += 1
                result.problems.append(f"{outcome.key}: answered 201 {outcome.public_id}, "
                                       f"stored {row and row.public_id}")  # fmt: skip
                continue
        else:
            result.errors += 1
            if row is not None:
                result.stored_though_refused += 1
                result.problems.append(f"{outcome.key}: answered {outcome.statuses}, stored")
        if row is None:
            continue
        if not row.stored_whole:
            result.half_stored += 1
            result.problems.append(f"{outcome.key}: stored in part: {row}")
        if row.processed_twice:
            result.processed_twice += 1
            result.problems.append(f"{outcome.key}: processed twice: {row}")
        elif row.processed_once:
            result.processed += 1
            result.retried_intakes += row.attempts > 1
        else:
            result.unprocessed += 1
            result.problems.append(f"{outcome.key}: not processed: {row}")
    for key in set(found) - keys:  # a row no request of the drill asked for
        result.problems.append(f"{key}: stored, never sent")
    result.rpw_problems = rpw_problems(dsn)
    return result
