"""Who read what: every read of a filed document by staff or through the ESP pull API, and every
case a clerk opens, leaves an entry in the audit trail (GDPR art. 5(2) accountability)."""

from __future__ import annotations

from django.db import transaction

from sekap import audit

from ..models import Case, Submission


@transaction.atomic
def document_read(*, reader, submission: Submission, channel: str, via: dict | None = None) -> None:
    """``channel``: "backoffice" (a clerk downloads it) or "esp" (an office system pulls it);
    ``via``: how the reader authenticated when it is not a person (the ESP machine token)."""
    audit.record(
        actor=reader,
        action="documents.document.read",
        target=submission,
        after={
            "channel": channel,
            "office": submission.office_id,
            "case": submission.case_id,
            "sha256": submission.sha256,
            **(via or {}),
        },
    )


@transaction.atomic
def case_viewed(*, reader, case: Case) -> None:
    audit.record(
        actor=reader, action="documents.case.viewed", target=case, after={"office": case.office_id}
    )


@transaction.atomic
def attachment_read(*, reader, submission: Submission, number: int, name: str) -> None:
    """A clerk downloads one file attached to a submitted document."""
    audit.record(
        actor=reader,
        action="documents.attachment.read",
        target=submission,
        after={"case": submission.case_id, "number": number, "name": name[:200]},
    )


@transaction.atomic
def metryka_exported(*, reader, case: Case) -> None:
    audit.record(actor=reader, action="documents.metryka.exported", target=case, after={})
