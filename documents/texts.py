"""Platform-written sentences (case history, inbox notices) kept as data, said in the reader's
language when shown.

The writer stores a text code and its values; the Polish sentence is also stored once, as the
text of record (the metryka sprawy is append-only and Polish). Rows written before the codes
existed have no values and are shown as stored.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext, gettext_noop, override

from sekap.datetimes import polish_date

from .models.cases import CaseStatus

# CaseEvent.action -> sentence (``sent_<kind>`` events share one sentence).
EVENT_TEXTS: dict[str, str] = {
    "received": gettext_noop("The application was received and registered (%(rpw)s)."),
    "reply_received": gettext_noop("A letter from the applicant was received (%(rpw)s)."),
    "opened": gettext_noop("The case was opened and passed to the department %(department)s."),
    "assigned": gettext_noop("A clerk started handling the case."),
    "assigned_to": gettext_noop("The case was assigned to %(clerk)s."),
    "reassigned": gettext_noop("The case was reassigned to %(clerk)s."),
    "released_leaver": gettext_noop(
        "%(clerk)s no longer works at the office; the case waits for the head of the "
        "department to assign it."
    ),
    "shared_view": gettext_noop("The case was shared with %(clerk)s (to read)."),
    "shared_change": gettext_noop("The case was shared with %(clerk)s (to read and handle)."),
    "unshared": gettext_noop("The case is no longer shared with %(clerk)s."),
    "opinion_requested": gettext_noop(
        "An opinion was asked of %(addressee)s, to be given by %(due)s."
    ),
    "opinion_given": gettext_noop(
        "%(addressee)s gave the opinion asked for (attached files: %(files)s)."
    ),
    "opinion_withdrawn": gettext_noop("The opinion asked of %(addressee)s was withdrawn."),
    "sent": gettext_noop("The office sent: %(title)s."),
    "delivered": gettext_noop("The applicant received the letter: %(title)s (UPD)."),
    # the legal clock (documents.services.deadlines) and closing (documents.services.archive)
    "clock_stopped": gettext_noop("The deadline stopped running from %(from)s: %(basis)s."),
    "clock_restarted": gettext_noop("The deadline runs again after %(until)s: %(basis)s."),
    "supplemented": gettext_noop(
        "The applicant supplemented the application; the deadline runs again: %(deadline)s."
    ),
    "supplement_lapsed": gettext_noop(
        "The term to supplement passed on %(due)s without a supplement."
    ),
    "delay_prompt": gettext_noop(
        "The deadline (%(deadline)s) is near: send a notice of delay if it cannot be kept."
    ),
    "complaint_filed": gettext_noop(
        "The applicant filed a complaint about delay; forward it to the higher body by %(due)s."
    ),
    "complaint_forwarded": gettext_noop(
        "The complaint about delay was forwarded to %(body)s with the office's position."
    ),
    "closed": gettext_noop("The case was closed: %(result)s (archival category %(category)s)."),
    "fee_paid": gettext_noop("The fee of %(amount)s was paid."),
    "call_to_pay": gettext_noop(
        "The applicant was called to pay the fee of %(amount)s within %(days)s days from the "
        "delivery of the call (KPA art. 261 § 1)."
    ),
    "application_returned": gettext_noop(
        "The fee was not paid: the application is returned without consideration "
        "(KPA art. 261 § 2)."
    ),
    "delivery_sent": gettext_noop("The letter “%(title)s” was sent to %(addressee)s."),
    "delivery_available": gettext_noop(
        "The letter “%(title)s” is waiting for %(addressee)s in their box (first notice)."
    ),
    "delivery_second_notice": gettext_noop(
        "%(addressee)s was notified again of the letter “%(title)s”."
    ),
    "delivery_delivered": gettext_noop("%(addressee)s received the letter “%(title)s”."),
    "delivery_deemed": gettext_noop("The letter “%(title)s” is deemed delivered to %(addressee)s."),
    "delivery_failed": gettext_noop("The letter “%(title)s” could not be sent to %(addressee)s."),
    "delivery_copy_opened": gettext_noop(
        "%(addressee)s opened the SEKAP copy of the letter “%(title)s”."
    ),
    "party_added": gettext_noop("%(name)s was added to the case as %(role)s."),
    "item_joined": gettext_noop("A letter from %(sender)s was registered in the case (%(rpw)s)."),
    "scan_attached": gettext_noop("The scan of the letter %(rpw)s was attached."),
    "decision_drafted": gettext_noop("A draft decision was prepared: %(title)s."),
    "decision_submitted": gettext_noop("The draft decision was passed for approval."),
    "decision_approved": gettext_noop("The draft decision was approved."),
    "decision_signed": gettext_noop("The decision was signed: %(title)s."),
    "decision_dispatched": gettext_noop("The decision was sent to the parties."),
    "decision_delivered": gettext_noop(
        "The decision was delivered; an appeal may be filed until %(until)s."
    ),
    "decision_final": gettext_noop("The decision became final: %(title)s."),
    "appeal_filed": gettext_noop("A party appealed against the decision: %(title)s."),
    "appeal_forwarded": gettext_noop(
        "The appeal was forwarded with the case file (%(documents)s documents) to: %(body)s."
    ),
}

# CaseParty.role -> the word used in history lines.
ROLE_TEXTS: dict[str, str] = {
    "applicant": gettext_noop("applicant"),
    "party": gettext_noop("party"),
    "representative": gettext_noop("representative"),
    "participant": gettext_noop("participant"),
}

# Event values shown as dates, and values that are choice codes shown by their label.
_DATE_VALUES = ("from", "until", "due", "deadline")

# Why a submission needs a clerk's attention (the ``reason`` value of an ``attention`` event).
ATTENTION_TEXTS: dict[str, str] = {
    "": gettext_noop("The document needs a clerk's attention."),
    "unsigned": gettext_noop(
        "The document is not signed, although this kind of letter needs a signature."
    ),
    "unconfirmed": gettext_noop("The signature could not be confirmed (%(indication)s %(sub)s)."),
    "other_signer": gettext_noop(
        "The document was signed by a person other than the account holder."
    ),
    "attachment_unconfirmed": gettext_noop(
        "The signature of the attached file “%(name)s” could not be confirmed "
        "(%(indication)s %(sub)s)."
    ),
    "attachment_unsigned": gettext_noop(
        "The attached file “%(name)s” is not signed, although this service needs signed "
        "attachments."
    ),
    "appeal_late": gettext_noop(
        "An appeal was filed after the appeal period, or with no decision to appeal against; "
        "it was not forwarded."
    ),
}

# InboxMessage.notice -> (title, body).
NOTICE_TEXTS: dict[str, tuple[str, str]] = {
    "case_opened": (
        gettext_noop("Your case %(sign)s was opened"),
        gettext_noop(
            "Your document “%(title)s” was registered by %(office)s in case %(sign)s. %(deadline)s"
        ),
    ),
    "call_to_pay": (
        gettext_noop("Pay the fee in case %(sign)s"),
        gettext_noop(
            "The fee of %(amount)s for “%(title)s” has not been paid. Pay it within "
            "%(days)s days, otherwise the application may be returned without consideration "
            "(KPA art. 261). You can pay in SEKAP under Payments."
        ),
    ),
    "application_returned": (
        gettext_noop("Your application %(sign)s is returned"),
        gettext_noop(
            "The fee for “%(title)s” was not paid after the call to pay, so the application "
            "is returned without consideration (KPA art. 261 § 2)."
        ),
    ),
    "needs_checking": (
        gettext_noop("Your document was registered, but needs checking"),
        gettext_noop(
            "Your document “%(title)s” was registered by %(office)s in case %(sign)s. "
            "%(reason)s A clerk will check it and may ask you to sign it again."
        ),
    ),
}


def _say(template: str, values: dict) -> str:
    return gettext(template) % values


def attention_text(params: dict) -> str:
    return _say(ATTENTION_TEXTS[params.get("reason", "")], params)


def _event_values(params: dict) -> dict:
    from .models import CaseResult, SuspensionBasis

    values = dict(params)
    for key in _DATE_VALUES:
        if key in values:
            values[key] = (
                polish_date(dt.date.fromisoformat(values[key]))
                if values[key]
                else gettext("not running")
            )
    if "basis" in values:
        values["basis"] = str(SuspensionBasis(values["basis"]).label)
    if "result" in values:
        values["result"] = str(CaseResult(values["result"]).label)
    if "role" in values:
        values["role"] = gettext(ROLE_TEXTS[values["role"]])
    return values


def _status_sentence(params: dict) -> str:
    sentence = gettext("The case is now: %(state)s.") % {
        "state": gettext(CaseStatus(params["to"]).label)
    }
    if params.get("on_behalf_of"):
        sentence += " " + gettext("Acting for %(name)s.") % {"name": params["on_behalf_of"]}
    if params.get("reason"):
        sentence += " " + gettext("Reason: %(reason)s") % {"reason": params["reason"]}
    return sentence


def _event_sentence(action: str, params: dict) -> str:
    if action == "attention":
        return attention_text(params)
    if action == "status":
        return _status_sentence(params)
    return _say(
        EVENT_TEXTS["sent" if action.startswith("sent_") else action], _event_values(params)
    )


def event_text(*, action: str, params: dict | None, stored: str) -> str:
    """The history line in the active language; ``stored`` when the row carries no values."""
    if params is None:
        return stored
    try:
        return _event_sentence(action, params)
    except (KeyError, TypeError, ValueError):
        return stored


def event_text_of_record(*, action: str, params: dict) -> str:
    """The Polish sentence stored in ``CaseEvent.description``."""
    with override("pl"):
        return _event_sentence(action, params)


def _deadline(params: dict) -> str:
    if params.get("deadline"):
        return gettext("The office should deal with it by %(date)s.") % {
            "date": polish_date(dt.date.fromisoformat(params["deadline"]))
        }
    return gettext("The office should deal with it without undue delay.")


def _notice(notice: str, params: dict) -> tuple[str, str]:
    title, body = NOTICE_TEXTS[notice]
    values = {**params, "deadline": _deadline(params)}
    if "attention" in params:
        values["reason"] = attention_text(params["attention"])
    return _say(title, values), _say(body, values)


def notice_text(*, notice: str, params: dict | None, title: str, body: str) -> tuple[str, str]:
    """(title, body) of an inbox message in the active language; as stored when it is not a
    platform notice with values (official letters always stay as the clerk wrote them)."""
    if not notice or params is None:
        return title, body
    try:
        return _notice(notice, params)
    except (KeyError, TypeError, ValueError):
        return title, body


def notice_text_of_record(*, notice: str, params: dict) -> tuple[str, str]:
    with override("pl"):
        return _notice(notice, params)
