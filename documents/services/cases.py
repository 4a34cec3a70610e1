"""Case work: clerks take cases and send letters; applicants open letters (UPD) and reply."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from offices.identity import office_identity_current
from offices.models import Service
from sekap import audit
from sekap.errors import NotAllowed

from ..errors import CaseActionRefused, DeliveryRefused
from ..models import (
    CLOSED_STATES,
    Case,
    CaseParty,
    CaseStatus,
    InboxMessage,
    Letter,
    LetterKind,
    Submission,
)
from ..selectors import cases_visible_to
from .delivery import addressees_of, delivery_notes, letter_dispatch, letter_release
from .history import case_event
from .receipts import seal_document
from .workflow import case_transition

LETTER_NS = "urn:sekap:documents:pismo:1"


def _visible_case(*, case: Case, clerk) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not cases_visible_to(staff=clerk).filter(pk=case.pk).exists():
        raise NotAllowed()
    return locked


@transaction.atomic
def case_take(*, case: Case, clerk) -> Case:
    """The clerk takes the case (becomes its handler)."""
    case = _visible_case(case=case, clerk=clerk)
    if case.status in CLOSED_STATES:
        raise CaseActionRefused()
    before = {"assignee": case.assignee_id, "status": case.status}
    case.assignee = clerk
    case.save(update_fields=["assignee", "updated_at"])
    if case.status == CaseStatus.OPEN:
        case = case_transition(case=case, transition="take", actor=clerk)
    case_event(
        case=case,
        action="assigned",
        params={},
        actor=clerk,
    )
    audit.record(
        actor=clerk,
        action="documents.case_taken",
        target=case,
        before=before,
        after={"assignee": clerk.pk, "status": case.status},
    )
    return case


def letter_xml(
    *,
    case: Case,
    kind: str,
    title: str,
    body: str,
    sent_at: dt.datetime,
    public_id: str,
    supplement_due: dt.date | None,
    supplement_days: int | None = None,
    delivery_notes: tuple[str, ...] = (),
    addressees: tuple[str, ...] = (),
) -> bytes:
    paragraphs = "".join(
        f"<p:Akapit>{escape(line.strip())}</p:Akapit>" for line in body.splitlines() if line.strip()
    )
    due = (
        f"<p:TerminUzupelnienia>{supplement_due.isoformat()}</p:TerminUzupelnienia>"
        if (supplement_due)
        else ""
    )
    if supplement_days:  # counted from delivery (KPA art. 64 § 2), the date not yet known
        due += (
            f"<p:DniNaUzupelnienieOdDoreczenia>{supplement_days}</p:DniNaUzupelnienieOdDoreczenia>"
        )
    to = "".join(f"<p:Adresat><p:Nazwa>{escape(name)}</p:Nazwa></p:Adresat>" for name in addressees)
    # how the letter is delivered and from when it counts as delivered (issue 11, item 4)
    notes = "".join(f"<p:Doreczenie>{escape(note)}</p:Doreczenie>" for note in delivery_notes)
    # The office and the organ in whose name it writes (KPA art. 107 § 1: a decision names
    # the organ), as named when the letter is sealed.
    sender = office_identity_current(case.office)
    organ = f"<p:Organ>{escape(sender.organ_name)}</p:Organ>" if sender.organ_name else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<p:Pismo xmlns:p="{LETTER_NS}">'
        f"<p:Identyfikator>{public_id}</p:Identyfikator>"
        f"<p:Rodzaj>{kind}</p:Rodzaj>"
        f"<p:ZnakSprawy>{escape(case.sign)}</p:ZnakSprawy>"
        f"<p:Nadawca><p:Nazwa>{escape(sender.official_name)}</p:Nazwa>{organ}"
        f'<p:Identyfikator typ="TERC">{case.office.terc}</p:Identyfikator></p:Nadawca>'
        f"{to}"
        f"<p:DataWyslania>{timezone.localtime(sent_at).isoformat(timespec='seconds')}"
        f"</p:DataWyslania><p:Tytul>{escape(title)}</p:Tytul>"
        f"<p:Tresc>{paragraphs}</p:Tresc>{due}{notes}</p:Pismo>"
    ).encode()


@dataclass(frozen=True)
class LetterPrepared:
    """A letter sealed and stored, not yet saved (``letter_prepare``; ``letter_issue``)."""

    letter: Letter
    addressees: list


def letter_prepare(
    *,
    case: Case,
    clerk,
    kind: str,
    title: str,
    body: str,
    supplement_due: dt.date | None = None,
    supplement_days: int | None = None,
    parties: Sequence[CaseParty] | None = None,
) -> LetterPrepared:
    """What ``letter_send`` does before its transaction: the checks, the letter sealed with the
    office seal and stored in object storage (a network call: never inside a transaction).
    A service that sends a letter inside its own transaction prepares it first and issues it
    there with ``letter_issue``."""
    if not cases_visible_to(staff=clerk).filter(pk=case.pk).exists():
        raise NotAllowed()
    case = Case.objects.select_related("office").get(pk=case.pk)
    if case.status in CLOSED_STATES:
        raise CaseActionRefused()
    if kind not in LetterKind.values or not title.strip() or not body.strip():
        raise CaseActionRefused()
    if kind == LetterKind.DECISION:  # drafted, approved and signed: services.letters
        raise CaseActionRefused(_("A decision is drafted from a template on the decision page."))
    if kind == LetterKind.CALL_TO_SUPPLEMENT and supplement_due is None and not supplement_days:
        raise CaseActionRefused(_("A call to supplement needs a due date (at least 7 days)."))
    now = timezone.now()
    letter = Letter(
        case=case,
        kind=kind,
        title=title.strip()[:300],
        body=body.strip(),
        supplement_due=supplement_due if kind == LetterKind.CALL_TO_SUPPLEMENT else None,
        created_by=clerk,
        sent_at=now,
    )
    try:
        addressees = addressees_of(letter, parties=parties)
    except DeliveryRefused:
        raise NotAllowed() from None  # a party of another case
    if not addressees:
        raise CaseActionRefused(_("The case has no party to send the letter to; add one first."))
    xml = letter_xml(
        case=case,
        kind=kind,
        title=letter.title,
        body=letter.body,
        sent_at=now,
        public_id=str(letter.public_id),
        supplement_due=letter.supplement_due,
        supplement_days=supplement_days if kind == LetterKind.CALL_TO_SUPPLEMENT else None,
        delivery_notes=delivery_notes(letter=letter, addressees=addressees),
        addressees=tuple(a.name for a in addressees),
    )
    letter.xml = Letter._meta.get_field("xml").store(seal_document(office=case.office, xml=xml))
    letter.sha256 = hashlib.sha256(letter.xml).hexdigest()
    return LetterPrepared(letter=letter, addressees=addressees)


def letter_issue(*, prepared: LetterPrepared, clerk) -> Letter:
    """Save the prepared letter and dispatch it to its addressees (in the caller's transaction:
    the case is locked and checked again)."""
    letter = prepared.letter
    case = _visible_case(case=letter.case, clerk=clerk)
    if case.status in CLOSED_STATES:  # closed since it was prepared
        raise CaseActionRefused()
    letter.case = case
    letter.save(force_insert=True)
    before = {"status": case.status}
    kind = letter.kind
    if kind == LetterKind.CALL_TO_SUPPLEMENT:
        case = case_transition(
            case=case, transition="call_supplement", actor=clerk, now=letter.sent_at
        )
    case_event(
        case=case,
        action=f"sent_{kind}",
        params={"title": letter.title},
        actor=clerk,
        document_ref=str(letter.public_id),
    )
    audit.record(
        actor=clerk,
        action="documents.letter_sent",
        target=letter,
        before=before,
        after={"case": case.sign, "kind": kind, "sha256": letter.sha256, "status": case.status},
    )
    letter_dispatch(letter=letter, actor=clerk, addressees=prepared.addressees)
    return letter


def letter_send(
    *,
    case: Case,
    clerk,
    kind: str,
    title: str,
    body: str,
    supplement_due: dt.date | None = None,
    supplement_days: int | None = None,
    parties: Sequence[CaseParty] | None = None,
) -> Letter:
    """Seal a letter with the office seal and dispatch it to its addressees: every party of the
    case, or the ``parties`` given (of this case), whether or not they have a SEKAP account. One
    delivery per addressee, each on its legal channel (e-Doręczenia, platform, paper post) and
    with its own delivery date; each addressee with an account gets its own inbox copy. The
    sealed letter is stored before the transaction (``letter_prepare``)."""
    prepared = letter_prepare(
        case=case,
        clerk=clerk,
        kind=kind,
        title=title,
        body=body,
        supplement_due=supplement_due,
        supplement_days=supplement_days,
        parties=parties,
    )
    with transaction.atomic():
        return letter_issue(prepared=prepared, clerk=clerk)


def inbox_open(*, user, message: InboxMessage) -> InboxMessage:
    """Mark a message read; opening an official letter records its receipt first (the UPD
    under the platform rule, ``documents.services.delivery.letter_release``, sealed and stored
    before its own transaction). Idempotent: the first opening's time is kept."""
    from ..selectors import inbox_for

    message = inbox_for(user).filter(pk=message.pk).first()
    if message is None:
        raise NotAllowed()
    if message.letter_id:
        letter_release(user=user, message=message)
    if message.read_at is None:
        now = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.read_at = InboxMessage.objects.values_list("read_at", flat=True).get(pk=message.pk)
    return message


def reply_accept(
    *,
    submitter,
    case: Case,
    signed_xml: bytes,
    idempotency_key: str,
    channel: str,
    service: Service | None = None,
    scanned: bool = False,
) -> Submission:
    """A reply or supplement from the case page: same checks, receipt and intake as a filing.

    The document is made with the case's service form (or ``service``, e.g. the office's
    general letter form), and is attached to the case instead of opening a new one.
    """
    from ..selectors import cases_for
    from .submissions import submission_accept

    if not cases_for(submitter).filter(pk=case.pk).exists():
        raise NotAllowed()
    if case.status in CLOSED_STATES:
        raise CaseActionRefused(_("The case is closed; file a new application or an appeal."))
    service = service or case.service
    if service.office_id != case.office_id:
        raise NotAllowed()
    return submission_accept(
        submitter=submitter,
        service=service,
        signed_xml=signed_xml,
        company=case.company,
        idempotency_key=idempotency_key,
        channel=channel,
        reply_to=case,
        scanned=scanned,
    )
