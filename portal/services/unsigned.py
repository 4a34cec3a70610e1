"""Sending an application without a signature, where the law needs none.

A request for public information, a petition and a complaint or request may be filed without
a signature (see ``forms_platform.selectors.signature_required``). The logged-in person sends
the prepared document as it is; the office's mailbox receipts (UPO) and registers it like any
other, and its intake records it as unsigned, not required.
"""

from __future__ import annotations

import uuid

from django.utils.translation import gettext_lazy as _

from documents import services as documents
from documents.models import Submission
from forms_platform.selectors import signature_required
from sekap.accounts.models import User
from sekap.errors import DomainError, NotAllowed

from ..models import Draft, DraftKind, DraftStatus
from .drafts import draft_mark_submitted


class UnsignedRefused(DomainError):
    code = "portal.unsigned_refused"
    message = _("This application must be signed before it is sent.")


class UnsignedNotReady(DomainError):
    code = "portal.unsigned_not_ready"
    message = _("Check the application first: go back to the preview and confirm the data.")


class UnsignedOutOfDate(DomainError):
    code = "portal.unsigned_out_of_date"
    message = _("The form is out of date. Open the application again.")


def may_send_unsigned(draft: Draft) -> bool:
    """Whether this application may be sent without a signature (a new application whose
    form version needs none; replies in a case are signed)."""
    return draft.kind == DraftKind.APPLICATION and not signature_required(draft.version)


def draft_submit_unsigned(
    *, draft: Draft, user: User, idempotency_key: str, channel: str = "portal"
) -> Submission:
    """Hand the prepared, unsigned document to the office's mailbox; a repeated click returns
    the same submission. As with a signed one, the accept runs outside any transaction (it
    stores first) and the draft is marked after, under its lock."""
    draft = Draft.objects.select_related("service", "version", "company").get(pk=draft.pk)
    if draft.owner_id != user.pk:
        raise NotAllowed()
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError as exc:
        raise UnsignedOutOfDate() from exc
    if key != draft.idempotency_key:
        raise UnsignedOutOfDate()
    if not may_send_unsigned(draft):
        raise UnsignedRefused()
    if draft.status not in (DraftStatus.READY, DraftStatus.SUBMITTED) or not draft.document:
        raise UnsignedNotReady()
    submission = documents.submission_accept(
        submitter=user,
        service=draft.service,
        signed_xml=bytes(draft.document),
        company=draft.company,
        idempotency_key=str(key),
        channel=channel,
        scanned=True,  # built here from the draft, whose files were scanned as uploaded
    )
    draft_mark_submitted(draft=draft, user=user, key=key, submission=submission, signed=False)
    return submission
