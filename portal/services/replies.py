"""Replying in a case, above all to a call for supplement: the draft starts filled in.

A reply goes on the office's general letter form (``pismo-ogolne``; the case's own service form
when an office does not offer it). The person should not have to copy the case sign or say what
kind of letter this is: the draft starts with the case sign, the kind "reply to a call", a title
naming the call and the case, and the account's e-mail address; the person block and the postal
address come from the profile as for any application. The title is the document's own name in
the signed XML, so the receipt and the confirmation show it instead of the form's name.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents import selectors as documents
from documents.models import APPEAL_FORM
from documents.services import letters
from forms_platform.definition import iter_fields
from offices.models import Service
from sekap.accounts.models import User
from sekap.datetimes import polish_date

from ..models import Draft
from .drafts import REPLY_TITLE_FIELD, DraftError, draft_start

REPLY_FORM = "pismo-ogolne"
# Fields of the general letter form the draft starts with (ignored when a version lacks them).
KIND_FIELD, KIND_REPLY_TO_CALL = "RodzajPisma", "odpowiedz"
SIGN_FIELD = "ZnakSprawy"
EMAIL_FIELD = "Email"
SUPPLEMENT = "supplement"


def reply_service(case) -> Service:
    """The office's general letter form, else the case's own service form."""
    general = Service.objects.filter(
        office_id=case.office_id, form_template__slug=REPLY_FORM, is_active=True
    ).first()
    return general or case.service


def call_answered(case, letter_public_id: str = ""):
    """The call for supplement being answered: the one named, else the case's newest letter
    when that is a call (None when the reply answers no call)."""
    letters = documents.case_documents(case)["outgoing"]
    if letter_public_id:
        return next(
            (
                letter
                for letter in letters
                if str(letter.public_id) == letter_public_id and letter.kind == SUPPLEMENT
            ),
            None,
        )
    return letters[-1] if letters and letters[-1].kind == SUPPLEMENT else None


def reply_prefill(*, draft: Draft, case, user: User, call=None) -> dict:
    """The answers a reply starts with (only for fields the form version has)."""
    if call is not None:
        sent = polish_date(call.sent_at)
        title = _("Reply to the call of %(date)s in case %(sign)s") % {
            "date": sent,
            "sign": case.sign,
        }
    else:
        title = _("Letter in case %(sign)s") % {"sign": case.sign}
    wanted = {SIGN_FIELD: case.sign, REPLY_TITLE_FIELD: title[:200], EMAIL_FIELD: user.email}
    if call is not None:
        wanted[KIND_FIELD] = KIND_REPLY_TO_CALL
    fields = {spec["name"]: spec for spec in iter_fields(draft.version.definition)}
    prefill = {}
    for name, value in wanted.items():
        spec = fields.get(name)
        if spec is None:
            continue
        options = [option["value"] for option in spec.get("options", [])]
        if options and value not in options:
            continue
        prefill[name] = value
    return prefill


APPEAL_SCOPE_FIELD = "ZakresZaskarzenia"
APPEAL_DECISION_FIELD = "Decyzja"


def appeal_service(case) -> Service | None:
    """The office's appeal form (a party files an appeal only from the case page)."""
    return Service.objects.filter(
        office_id=case.office_id, form_template__slug=APPEAL_FORM, is_active=True
    ).first()


@transaction.atomic
def appeal_start(*, user: User, case) -> Draft:
    """Start an appeal against the case's decision on the appeal form: filled and signed like
    any application, and sent as a filing in the case (RPW number, UPP). The draft starts with
    the case sign, the decision and a title; the body (what is challenged, the demands, the
    grounds) is the party's."""
    decision = letters.decision_for(case)
    party = case.company if case.company_id else user
    if decision is None or not letters.appeal_open(
        decision=decision, today=timezone.localdate(), party=party
    ):
        raise DraftError(_("There is no decision in this case you can appeal against now."))
    service = appeal_service(case)
    if service is None:
        raise DraftError(_("This office does not take appeals through SEKAP; write on paper."))
    draft = draft_start(user=user, service=service, company=case.company, case_id=case.pk)
    issued = polish_date(decision.issued_on) if decision.issued_on else ""
    wanted = {
        SIGN_FIELD: case.sign,
        APPEAL_DECISION_FIELD: f"decyzja z dnia {issued}, {case.sign}"[:200],
        REPLY_TITLE_FIELD: f"Odwołanie od decyzji z dnia {issued} w sprawie {case.sign}"[:200],
        EMAIL_FIELD: user.email,
    }
    fields = {spec["name"] for spec in iter_fields(draft.version.definition)}
    draft.data = {name: value for name, value in wanted.items() if name in fields}
    draft.save(update_fields=["data", "updated_at"])
    return draft


@transaction.atomic
def reply_start(*, user: User, case, letter_public_id: str = "") -> Draft:
    """Start a reply in the case (the caller found the case among the user's own)."""
    draft = draft_start(
        user=user, service=reply_service(case), company=case.company, case_id=case.pk
    )
    call = call_answered(case, letter_public_id)
    draft.data = reply_prefill(draft=draft, case=case, user=user, call=call)
    draft.save(update_fields=["data", "updated_at"])
    return draft
