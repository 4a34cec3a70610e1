"""What the decision's steps share (``decisions`` for the draft, approval, the office seal and
dispatch; ``signing`` for the official's own certificate): the decision's lock, the checks of
its status and of who acts, the signer's position, forgetting a prepared signature, and issuing
the signed decision as the case's letter."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from offices.models import StaffRole
from offices.selectors import memberships_active
from sekap import audit

from ... import dispatch
from ...errors import DecisionRefused, TransitionRoleRequired
from ...models import Case, Decision, DecisionStatus, Letter, LetterKind, SignatureKind
from ..history import case_event
from ..workflow import ROLES, authority_for, case_transition
from .output import decision_text


def decision_locked(decision: Decision) -> Decision:
    """The decision again, locked for the caller's transaction, with its case and office."""
    return (
        Decision.objects.select_for_update(of=("self",))
        .select_related("case", "case__office", "case__applicant")
        .get(pk=decision.pk)
    )


def role_require(*, case: Case, actor, roles: tuple[str, ...], now: dt.datetime) -> None:
    """Refuse unless ``actor`` holds one of the case's workflow ``roles`` at ``now``."""
    if authority_for(actor=actor, case=case, roles=roles, at=now) is None:
        raise TransitionRoleRequired(roles=roles, names=", ".join(_(ROLES[role]) for role in roles))


def status_expect(decision: Decision, *statuses: str) -> None:
    """Refuse unless the decision is in one of ``statuses``."""
    if decision.status not in statuses:
        raise DecisionRefused()


def decision_event(decision: Decision, action: str, actor, now: dt.datetime) -> None:
    """The step in the case's history."""
    case_event(
        case=decision.case,
        action=action,
        params={"title": decision.title},
        actor=actor,
        document_ref=str(decision.public_id),
        at=now,
    )


def position_of(*, user, case: Case, on: dt.date) -> str:
    """The signer's position in the office, as their membership names it (else, in Polish, the
    role under which they sign)."""
    memberships = list(
        memberships_active(user=user, on=on).filter(office_id=case.office_id, role="signer")
    )
    for membership in memberships:
        position = getattr(membership, "position", "")
        if position:
            return position
    with override("pl"):
        return str(StaffRole.SIGNER.label) if memberships else ""


def pending_clear(decision: Decision) -> None:
    """Forget the browser signature under way (unsaved)."""
    decision.pending_signature = None
    decision.pending_octets = None
    decision.pending_certificate = None


# the fields of the document prepared for a personal signature and of the signature under way
TO_SIGN_FIELDS = [
    "to_sign",
    "to_sign_sha256",
    "to_sign_for",
    "to_sign_letter",
    "pending_signature",
    "pending_octets",
    "pending_certificate",
]


def to_sign_clear(decision: Decision) -> list[str]:
    """Forget the document prepared for a personal signature (the draft went back for
    changes); the fields to save."""
    decision.to_sign = None
    decision.to_sign_sha256 = ""
    decision.to_sign_for = None
    decision.to_sign_letter = None
    pending_clear(decision)
    return list(TO_SIGN_FIELDS)


def decision_issue(
    *,
    decision: Decision,
    actor,
    xml: bytes,
    letter_id,
    kind: str,
    now: dt.datetime,
    audit_extra: dict | None = None,
) -> Decision:
    """Store the signed decision XML once with its SHA-256 as the case's letter, mark the
    decision signed by ``actor`` and take the workflow's "sign" step (in the caller's
    transaction, the decision locked); the PDF follows after commit."""
    case = decision.case
    letter = Letter(
        public_id=letter_id,
        case=case,
        kind=LetterKind.DECISION,
        title=decision.title,
        body=decision_text(decision),
        created_by=actor,
        sent_at=now,
        xml=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
    )
    letter.save(force_insert=True)
    decision.letter = letter
    decision.signed_by = actor
    decision.signed_at = now
    decision.signature_kind = kind
    decision.status = DecisionStatus.SIGNED
    decision.pdf_due_at = now
    to_sign_clear(decision)
    decision.save()
    case_transition(case=case, transition="sign", actor=actor, now=now)
    decision_event(decision, "decision_signed", actor, now)
    audit.record(
        actor=actor,
        action="documents.decision_signed",
        target=decision,
        after={
            "letter": str(letter.public_id),
            "sha256": letter.sha256,
            "seal": kind == SignatureKind.SEAL,
            "signed_with": kind,
            "signer": decision.signer_name,
            "position": decision.signer_position,
            **(audit_extra or {}),
        },
    )
    decision_id = decision.pk
    transaction.on_commit(lambda: dispatch.dispatch_decision_pdf(decision_id))
    return decision
