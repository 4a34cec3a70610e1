"""What the offices' correspondence holds about one person, for their data export (GDPR art. 15)
and for the erasure check (art. 17(3)(b): registered records are kept by the archives act).

Only the person's own records: applications they filed, receipts of them, cases in which they
are a party with their account, letters addressed to them, and who on the staff read any of it.
A letter whose receipt is not recorded yet is listed without its content, so the export never
delivers a letter around the path that records delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sekap.audit.selectors import entries_about

from ..models import Case, CaseParty, InboxMessage, Receipt, Submission
from .delivery import letter_released


@dataclass
class SubjectPart:
    """One app's share of the export: JSON-ready records and files by path in the archive."""

    data: dict = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)


def _own_submissions(user) -> list[Submission]:
    return list(
        Submission.objects.filter(submitter=user)
        .select_related("office", "case")
        .defer("signature_report")
        .order_by("received_at", "pk")
    )


def _own_cases(user) -> list[Case]:
    parties = CaseParty.objects.filter(correspondent__account=user).values("case_id")
    return list(Case.objects.filter(pk__in=parties).select_related("office").order_by("pk"))


def _when(value) -> str | None:
    return value.isoformat() if value else None


def subject_correspondence(*, user) -> SubjectPart:
    part = SubjectPart()
    submissions = _own_submissions(user)
    receipts = {
        r.submission_id: r
        for r in Receipt.objects.filter(submission__in=[s.pk for s in submissions])
    }
    rows = []
    for s in submissions:
        path = f"wnioski/{s.public_id}.xml"
        part.files[path] = bytes(s.document)
        row = {
            "id": str(s.public_id),
            "title": s.title,
            "office": s.office.name,
            "channel": s.channel,
            "received_at": _when(s.received_at),
            "sha256": s.sha256,
            "case": s.case.sign if s.case_id else None,
            "file": path,
            "receipt": None,
        }
        receipt = receipts.get(s.pk)
        if receipt is not None:
            rpath = f"potwierdzenia/{receipt.public_id}.xml"
            part.files[rpath] = bytes(receipt.xml)
            row["receipt"] = {"kind": receipt.kind, "file": rpath, "sha256": receipt.sha256}
        rows.append(row)
    part.data["submissions"] = rows

    cases = _own_cases(user)
    part.data["cases"] = [
        {
            "sign": c.sign,
            "title": c.title,
            "office": c.office.name,
            "status": c.status,
            "opened_at": _when(c.opened_at),
        }
        for c in cases
    ]

    letters = []
    messages = (
        InboxMessage.objects.filter(recipient=user)
        .select_related("office", "letter", "case")
        .order_by("created_at", "pk")
    )
    for m in messages:
        row = {
            "title": m.display_title,
            "kind": m.kind,
            "office": m.office.name,
            "case": m.case.sign if m.case_id else None,
            "created_at": _when(m.created_at),
            "read_at": _when(m.read_at),
            "file": None,
        }
        if m.letter_id:
            if letter_released(user=user, message=m):
                lpath = f"pisma/{m.letter.public_id}.xml"
                part.files[lpath] = bytes(m.letter.xml)
                row["file"] = lpath
            else:
                row["note"] = "not opened yet: open it in the inbox, which records its delivery"
        else:
            row["body"] = m.display_body
        letters.append(row)
    part.data["letters"] = letters

    targets = [("accounts.user", user.pk)]
    targets += [("documents.submission", s.pk) for s in submissions]
    targets += [("documents.case", c.pk) for c in cases]
    part.data["staff_access"] = [
        {
            "at": _when(e.created_at),
            "who": e.actor_repr or "system",
            "action": e.action,
            "what": e.target_repr,
        }
        for e in entries_about(targets=targets, exclude_actor_id=user.pk).exclude(actor_id=None)
    ]
    return part


def subject_registered(*, user) -> bool:
    """Has the person anything in an office's register or case files (kept by law)?"""
    return (
        Submission.objects.filter(submitter=user).exists()
        or CaseParty.objects.filter(correspondent__account=user).exists()
    )
