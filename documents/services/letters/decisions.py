"""The decision flow: draft (from a template) -> approval by the head of the department ->
signature by the authorised official -> dispatch -> delivery -> final after the appeal period.

Each step locks the decision, checks who acts (the case's workflow roles), changes it and
takes the matching workflow step (``case_transition``) in one transaction; the PDF is rendered
after commit. The workflow's conditions ``decision_*`` are checked here (``requirement_check``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sekap import audit

from ...errors import DecisionRefused
from ...models import (
    Case,
    CaseParty,
    Decision,
    DecisionStatus,
    Letter,
    LetterTemplateVersion,
    SignatureKind,
)
from ..receipts import seal_document
from ..workflow import case_transition, requirement_check
from .issuing import (
    decision_event,
    decision_issue,
    decision_locked,
    position_of,
    role_require,
    status_expect,
    to_sign_clear,
)
from .output import decision_xml
from .templates import case_values, fill, party_names

EDITABLE = ("title", "legal_basis", "ruling", "reasons", "appeal_body")


@requirement_check("decision_draft")
def _has_draft(case: Case) -> bool:
    decision = Decision.objects.filter(case=case).first()
    return bool(
        decision
        and decision.status == DecisionStatus.DRAFT
        and all(getattr(decision, name).strip() for name in EDITABLE)
    )


@requirement_check("decision_approved")
def _approved(case: Case) -> bool:
    return Decision.objects.filter(case=case, status=DecisionStatus.APPROVED).exists()


@requirement_check("decision_signed")
def _signed(case: Case) -> bool:
    return Decision.objects.filter(
        case=case, status=DecisionStatus.SIGNED, letter__isnull=False
    ).exists()


@requirement_check("decision_dispatched")
def _dispatched(case: Case) -> bool:
    return Decision.objects.filter(case=case, status=DecisionStatus.DISPATCHED).exists()


@transaction.atomic
def decision_draft(
    *, case: Case, template: LetterTemplateVersion, actor, now: dt.datetime | None = None
) -> Decision:
    """Start the decision from a published template of the case's office (the case moves to
    "decision being drafted")."""
    now = now or timezone.now()
    if (
        template.status != LetterTemplateVersion.Status.PUBLISHED
        or template.template.office_id != case.office_id
        or template.template.kind != "decision"
    ):
        raise DecisionRefused(_("Choose a published decision template of this office."))
    if Decision.objects.filter(case=case).exists():
        raise DecisionRefused(_("The case has a decision already."))
    case = case_transition(case=case, transition="draft_decision", actor=actor, now=now)
    values = case_values(case=case, today=timezone.localdate(now))
    decision = Decision.objects.create(
        case=case,
        template_version=template,
        title=fill(template.title, values)[:300],
        organ=values["organ"][:255],
        parties=party_names(case),
        legal_basis=fill(template.legal_basis, values),
        ruling=fill(template.ruling, values),
        reasons=fill(template.reasons, values),
        appeal_body=template.appeal_body,
        appeal_days=template.appeal_days,
        seal_allowed=template.seal_allowed,
        drafted_by=actor,
        drafted_at=now,
    )
    decision_event(decision, "decision_drafted", actor, now)
    audit.record(
        actor=actor,
        action="documents.decision_drafted",
        target=decision,
        after={"case": case.sign, "template": template.pk},
    )
    return decision


@transaction.atomic
def decision_edit(*, decision: Decision, actor, content: dict[str, str]) -> Decision:
    """Change the draft's text (only while it is a draft, by the clerk handling the case)."""
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.DRAFT)
    role_require(case=decision.case, actor=actor, roles=("clerk",), now=timezone.now())
    before = {name: getattr(decision, name) for name in EDITABLE if name in content}
    for name in before:
        setattr(decision, name, content[name].strip())
    decision.title = decision.title[:300]
    decision.save(update_fields=list(before))
    audit.record(
        actor=actor,
        action="documents.decision_edited",
        target=decision,
        before=before,
        after={name: getattr(decision, name) for name in before},
    )
    return decision


@transaction.atomic
def decision_submit(*, decision: Decision, actor, now: dt.datetime | None = None) -> Decision:
    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.DRAFT)
    case_transition(case=decision.case, transition="submit_for_approval", actor=actor, now=now)
    decision.status = DecisionStatus.APPROVAL
    decision.save(update_fields=["status"])
    decision_event(decision, "decision_submitted", actor, now)
    audit.record(actor=actor, action="documents.decision_submitted", target=decision)
    return decision


@transaction.atomic
def decision_approve(*, decision: Decision, actor, now: dt.datetime | None = None) -> Decision:
    """The head of the department approves the draft (the workflow checks the role)."""
    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.APPROVAL)
    decision.status = DecisionStatus.APPROVED
    decision.approved_by = actor
    decision.approved_at = now
    decision.save(update_fields=["status", "approved_by", "approved_at"])
    case_transition(case=decision.case, transition="approve", actor=actor, now=now)
    decision_event(decision, "decision_approved", actor, now)
    audit.record(actor=actor, action="documents.decision_approved", target=decision)
    return decision


@transaction.atomic
def decision_return(
    *, decision: Decision, actor, reason: str, now: dt.datetime | None = None
) -> Decision:
    """The head (or the signer) sends the draft back for changes, saying why."""
    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.APPROVAL, DecisionStatus.APPROVED)
    if not reason.strip():
        raise DecisionRefused(_("Say what should be changed."))
    case_transition(
        case=decision.case, transition="return_for_changes", actor=actor, reason=reason, now=now
    )
    decision.status = DecisionStatus.DRAFT
    decision.approved_by = None
    decision.approved_at = None
    decision.save(update_fields=["status", "approved_by", "approved_at", *to_sign_clear(decision)])
    audit.record(
        actor=actor,
        action="documents.decision_returned",
        target=decision,
        after={"reason": reason.strip()[:300]},
    )
    return decision


def decision_sign(*, decision: Decision, actor, now: dt.datetime | None = None) -> Decision:
    """The authorised official signs with the office seal, which the office and the template
    must allow: the decision XML (KPA art. 107 § 1, naming the signer and their position) is
    sealed and stored once with its SHA-256 as the case's letter. The sealed XML is stored
    before the transaction (object storage is a network call), which checks again that the
    decision is still the one sealed. Signing with the official's own certificate:
    ``signing.decision_sign_personal``."""
    now = now or timezone.now()
    letter_id = uuid.uuid4()
    current = Decision.objects.select_related("case", "case__office").get(pk=decision.pk)
    unsealed = _seal_ready(current, actor=actor, now=now, letter_id=letter_id)
    sealed = Letter._meta.get_field("xml").store(
        seal_document(office=current.case.office, xml=unsealed)
    )
    with transaction.atomic():
        decision = decision_locked(decision)
        if _seal_ready(decision, actor=actor, now=now, letter_id=letter_id) != unsealed:
            raise DecisionRefused()  # changed while it was sealed: sign again
        return decision_issue(
            decision=decision,
            actor=actor,
            xml=sealed,
            letter_id=letter_id,
            kind=SignatureKind.SEAL,
            now=now,
        )


def _seal_ready(decision: Decision, *, actor, now: dt.datetime, letter_id: uuid.UUID) -> bytes:
    """Check that ``actor`` may seal the decision now, name them on it (unsaved) and return
    the decision XML to seal."""
    status_expect(decision, DecisionStatus.APPROVED)
    case = decision.case
    role_require(case=case, actor=actor, roles=("signer",), now=now)
    if not (decision.seal_allowed and case.office.decision_seal_allowed):
        raise DecisionRefused(
            _(
                "The office does not allow this decision to bear its seal; sign it with your "
                "own SEKAP certificate."
            )
        )
    decision.signed_at = now
    decision.signer_name = (actor.get_full_name() or actor.email)[:200]
    decision.signer_position = position_of(user=actor, case=case, on=timezone.localdate(now))[:200]
    decision.issued_on = timezone.localdate(now)
    decision.signature_kind = SignatureKind.SEAL
    return decision_xml(decision=decision, letter_id=str(letter_id))


@transaction.atomic
def decision_dispatch(
    *,
    decision: Decision,
    actor,
    now: dt.datetime | None = None,
    parties: Sequence[CaseParty] | None = None,
) -> Decision:
    """Send the signed decision to the parties (their deliveries start on their channels):
    every party of the case, or the ``parties`` chosen."""
    from .dispatch import letter_out

    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.SIGNED)
    role_require(case=decision.case, actor=actor, roles=("clerk", "registry"), now=now)
    if parties is not None and not parties:
        raise DecisionRefused(_("Choose at least one party to send the decision to."))
    letter_out(letter=decision.letter, actor=actor, now=now, parties=parties)
    decision.status = DecisionStatus.DISPATCHED
    decision.dispatched_at = now
    decision.save(update_fields=["status", "dispatched_at"])
    case_transition(case=decision.case, transition="dispatch", actor=actor, now=now)
    decision_event(decision, "decision_dispatched", actor, now)
    audit.record(actor=actor, action="documents.decision_dispatched", target=decision)
    return decision


def decision_for(case: Case) -> Decision | None:
    return Decision.objects.filter(case=case).select_related("letter").first()


__all__ = [
    "decision_approve",
    "decision_dispatch",
    "decision_draft",
    "decision_edit",
    "decision_for",
    "decision_return",
    "decision_sign",
    "decision_submit",
    "position_of",
]
