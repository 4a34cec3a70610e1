"""The intake pipeline of submissions, run in batches by one Celery task.

A task claims its own submission and up to ``BATCH_SIZE`` others still waiting for theirs
(``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers never claim the same), checks
their signatures outside any transaction (OCSP/CRL fetches), then completes them in one short
transaction, each item in its own savepoint: one item's failure is recorded on it (and retried
by the sweeper after its backoff) and never fails the others. The e-mails of the batch's
notices go to one task after the commit. A duplicate message finds its submission claimed or
completed and does nothing twice. An acceptance sends no message while a run is queued and not
started (``documents.dispatch.dispatch_intake_wake``): that run claims it with the others
waiting, and a run that leaves more waiting than its batch holds queues another for the rest.

Steps, each idempotent (the submission's ``stage`` says what is done, checked under a row
lock): validate the signature and store the report; register in the office's incoming register
(RPW number per office and year); open a case (sign ``DEPT.JRWA.N.YEAR``) or attach a reply to
its case; compute the legal deadline; route to the service's department; notify the applicant.
Numbers are allocated under a row lock on a counter row, so they are unique and gap-free.
A sweeper re-dispatches submissions whose ``intake_due_at`` has passed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from forms_platform.models import FormVersion
from forms_platform.selectors import signature_required
from offices.identity import office_identity_current
from sekap import audit
from sekap.bulk import update_rows
from sekap.dispatch import dispatch_on_commit
from sekap.xmlsafe import ParseLimits, parse_untrusted
from signatures import services as signatures

from .. import dispatch
from ..errors import TransitionRefused
from ..models import (
    APPEAL_FORM,
    Case,
    CaseStatus,
    Channel,
    Correspondent,
    InboxMessage,
    MessageKind,
    Receipt,
    RegisterChannel,
    RegisterEntry,
    Stage,
    Submission,
)
from ..texts import attention_text, notice_text_of_record
from .attachment_signatures import (
    AttachmentCheck,
    attachments_attention,
    attachments_check,
    stored_checks,
)
from .deadlines import supplement_received
from .fees import cases_fees_attach
from .history import case_event, case_events_add
from .mail import inbox_email_sweep
from .opening import Opening, case_openable, cases_open
from .register.correspondents import correspondent_for_account, correspondents_for_accounts
from .register.numbers import rpw_allocate, rpw_allocate_many
from .register.parties import applicants_create
from .search import case_search_batch, document_text
from .submissions import is_signed, max_bytes
from .workflow import case_transition

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
MAX_SIGNATURE_RETRIES = 3
BATCH_SIZE = 50  # submissions one task completes at most (its own and others waiting)


class TemporaryFailure(Exception):
    """Something outside us failed for now (revocation source unreachable); try again later."""


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** min(attempts, 6)), dt.timedelta(hours=1))


def _locked(submission_id: int) -> Submission:
    return (
        Submission.objects.select_for_update(of=("self",))
        .select_related("service__department", "office", "submitter", "company")
        .defer("document", "signature_report", "attachment_signatures")
        .get(pk=submission_id)
    )


# --- step 1: the signature ------------------------------------------------------------------

# What an unsigned submission records instead of a validation report.
UNSIGNED = "UNSIGNED"
NOT_REQUIRED = "NOT_REQUIRED"  # the form version's law needs no signature
REQUIRED = "REQUIRED"  # accepted unsigned although it needed a signature: a clerk must look


@dataclass(frozen=True)
class Unsigned:
    """The outcome of step 1 for a submission that carries no signature."""

    required: bool  # its form version needed one: accepted, but a clerk must look
    indication: str = UNSIGNED

    @property
    def sub_indication(self) -> str:
        return REQUIRED if self.required else NOT_REQUIRED


def signer_pesel(report: signatures.ValidationReport) -> str:
    """The PESEL of the first passing signature's signer ("" when none is known)."""
    for signature in report.signatures:
        if signature.indication != "TOTAL_PASSED":
            continue
        profile, signed_by = signature.trusted_profile, signature.signed_by
        return (profile.pesel if profile else "") or (signed_by.pesel if signed_by else "") or ""
    return ""


def _attention_params(
    *, indication: str, sub_indication: str, other_signer: bool
) -> dict[str, str] | None:
    """Why a clerk must look at the submission, as documents.texts values (None: nothing)."""
    if indication == UNSIGNED:
        return {"reason": "unsigned"} if sub_indication == REQUIRED else None
    if indication != "TOTAL_PASSED":
        return {"reason": "unconfirmed", "indication": indication, "sub": sub_indication}
    return {"reason": "other_signer"} if other_signer else None


def _attention_of(submission: Submission) -> dict[str, str]:
    """The attention values of a checked submission, from its stored outcome (a passing
    signature needs attention only when someone else signed)."""
    indication = submission.signature_indication
    attachments = stored_checks(submission.attachment_signatures)
    params = _attention_params(
        indication=indication,
        sub_indication=submission.signature_sub_indication,
        other_signer=False,
    ) or attachments_attention(
        attachments, unsigned_allowed=submission.service.unsigned_attachments_allowed
    )
    if params is None and submission.needs_attention and indication == "TOTAL_PASSED":
        params = {"reason": "other_signer"}
    return params or {"reason": ""}


SIGNATURE_FIELDS = [
    "signature_indication",
    "signature_sub_indication",
    "signature_report",
    "signature_checked_at",
    "attachment_signatures",
    "needs_attention",
    "attention_reason",
]


@dataclass(frozen=True)
class SignatureOutcome:
    """Step 1's result: the form's signature and each attachment's own."""

    form: signatures.ValidationReport | Unsigned
    attachments: list[AttachmentCheck]


def signature_check(*, submission_id: int) -> SignatureOutcome | None:
    """Step 1, outside any transaction (it may fetch OCSP responses and CRLs): the validation
    reports of the form and of each signed attachment, or None when the submission is past
    this step. Raises TemporaryFailure while revocation data is unavailable (a few times, then
    the INDETERMINATE result is kept)."""
    return _signature_outcome(_for_check().get(pk=submission_id))


def _for_check():
    return Submission.objects.only(
        "pk", "office_id", "stage", "intake_attempts", "document", "form_version_id"
    )


def _parsed(document: bytes):
    """The tree of an accepted document (it was parsed and accepted before)."""
    return parse_untrusted(document, limits=ParseLimits(max_bytes=max_bytes())).root


def _signature_outcome(submission: Submission, *, root=None) -> SignatureOutcome | None:
    """``root``: the tree of the submission's document when parsed already."""
    if submission.stage >= Stage.SIGNATURE_CHECKED:
        return None
    document = bytes(submission.document)
    attachments = attachments_check(document=document, max_bytes=max_bytes())
    retry = submission.intake_attempts <= MAX_SIGNATURE_RETRIES
    if retry and any(a.sub_indication == "TRY_LATER" for a in attachments):
        raise TemporaryFailure("revocation information is not available yet")
    if not is_signed(_parsed(document) if root is None else root):
        return SignatureOutcome(
            form=Unsigned(required=signature_required(submission.form_version)),
            attachments=attachments,
        )
    report = signatures.validate(document)
    if report.indication == "INDETERMINATE" and report.sub_indication == "TRY_LATER" and retry:
        raise TemporaryFailure("revocation information is not available yet")
    return SignatureOutcome(form=report, attachments=attachments)


def signature_store(*, submission: Submission, outcome: SignatureOutcome) -> None:
    """Record the outcome on the locked submission (saved by the caller). An unsigned
    submission keeps no report: it is recorded as ``UNSIGNED`` / ``NOT_REQUIRED``; each
    attachment's result and report go to ``attachment_signatures``."""
    form = outcome.form
    indication = str(form.indication or "")
    sub_indication = str(form.sub_indication or "")
    own = getattr(submission.submitter, "pesel", "") or ""
    pesel = signer_pesel(form) if isinstance(form, signatures.ValidationReport) else ""
    params = (
        _attention_params(indication=indication, sub_indication=sub_indication, other_signer=False)
        or attachments_attention(
            outcome.attachments, unsigned_allowed=submission.service.unsigned_attachments_allowed
        )
        or _attention_params(
            indication=indication,
            sub_indication=sub_indication,
            other_signer=bool(pesel and own and pesel != own),
        )
    )
    reason = attention_text(params) if params else ""
    submission.signature_indication = indication
    submission.signature_sub_indication = sub_indication
    # the stored copy of the report (its JSON schema, signatures/REPORT_SCHEMA.md)
    submission.signature_report = (
        form.to_dict() if isinstance(form, signatures.ValidationReport) else None
    )
    submission.attachment_signatures = [a.as_json() for a in outcome.attachments] or None
    submission.signature_checked_at = timezone.now()
    submission.needs_attention = bool(reason)
    submission.attention_reason = reason[:300]
    submission.stage = Stage.SIGNATURE_CHECKED


# --- step 2: the incoming register ----------------------------------------------------------


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _sender_label(submission: Submission) -> str:
    if submission.company_id:
        return submission.company.name
    user = submission.submitter
    return user.get_full_name() or user.email


def _entry_new(
    *, submission: Submission, year: int, number: int, correspondent: Correspondent
) -> RegisterEntry:
    department = submission.reply_to.department if submission.reply_to_id else None
    channel = RegisterChannel.API if submission.channel == Channel.API else RegisterChannel.ESP
    return RegisterEntry(
        office_id=submission.office_id,
        year=year,
        number=number,
        submission=submission,
        received_at=submission.received_at,
        registered_at=timezone.now(),
        sender=_sender_label(submission)[:300],
        correspondent=correspondent,
        channel=channel,
        title=submission.title,
        department=department or submission.service.department,
    )


def _registered(*, submission: Submission, entry: RegisterEntry) -> None:
    submission.stage = Stage.REGISTERED
    audit.record(
        actor=None,
        action="documents.registered",
        target=entry,
        after={"rpw": entry.rpw, "office": entry.office_id, "submission": submission.pk},
    )


def register(*, submission: Submission) -> RegisterEntry:
    """Step 2 (inside the caller's transaction, with ``submission`` locked and its stage below
    REGISTERED, so no entry exists yet; the one-to-one constraint backs this)."""
    year = _local_date(submission.received_at).year
    entry = _entry_new(
        submission=submission,
        year=year,
        number=rpw_allocate(office_id=submission.office_id, year=year),  # the first lock
        correspondent=correspondent_for_account(
            office=submission.office, user=submission.submitter, company=submission.company
        ),
    )
    entry.save(force_insert=True)
    _registered(submission=submission, entry=entry)
    return entry


def _register_many(*, submissions: list[Submission]) -> list[RegisterEntry]:
    """Step 2 of new applications of one office, in their order, as :func:`register` of each:
    the RPW numbers in one statement per year (the first lock), the correspondents known read
    together, the entries in one insert."""
    office = submissions[0].office
    years = [_local_date(s.received_at).year for s in submissions]
    numbers = {
        year: iter(rpw_allocate_many(office_id=office.pk, year=year, count=years.count(year)))
        for year in sorted(set(years))
    }
    correspondents = correspondents_for_accounts(
        office=office, senders=[(s.submitter, s.company) for s in submissions]
    )
    entries = [
        _entry_new(submission=s, year=year, number=next(numbers[year]), correspondent=c)
        for s, year, c in zip(submissions, years, correspondents, strict=True)
    ]
    RegisterEntry.objects.bulk_create(entries)
    for submission, entry in zip(submissions, entries, strict=True):
        _registered(submission=submission, entry=entry)
    return entries


# --- step 3: the case -----------------------------------------------------------------------


def _reply_attach(*, submission: Submission, entry: RegisterEntry) -> Case:
    """Step 3 of a reply: attach it to its case (history, status, deadline)."""
    case = Case.objects.select_for_update().get(pk=submission.reply_to_id)
    case_event(
        case=case,
        action="reply_received",
        params={"rpw": entry.rpw},
        document_ref=str(submission.public_id),
    )
    if case.status == CaseStatus.WAITING:
        try:
            case = case_transition(case=case, transition="supplement_received", actor=None)
        except TransitionRefused:  # the case's workflow leaves it to the clerk
            logger.info("case %s: reply received, status left to the clerk", case.pk)
    supplement_received(
        case=case,
        on=_local_date(submission.received_at),
        document_ref=str(submission.public_id),
    )
    if submission.service.form_template.slug == APPEAL_FORM:  # a signed appeal
        submission_id = submission.pk
        transaction.on_commit(lambda: dispatch.dispatch_appeal(submission_id))
    entry.case = case
    entry.save(update_fields=["case"])
    if submission.needs_attention:
        case_event(
            case=case,
            action="attention",
            params=_attention_of(submission),
            document_ref=str(submission.public_id),
        )
    submission.case = case
    submission.stage = Stage.CASE_OPENED
    return case


def _cases_open(
    *, submissions: list[Submission], entries: list[RegisterEntry], texts: dict[int, str]
) -> list[Case]:
    """Step 3 of new applications (no reply among them), the one path that opens cases from
    submissions (a batch's run, or one item on its own): the cases with deadline and routing,
    their applicants, history lines and search texts in one insert each."""
    openings = [
        Opening(
            office=s.office,
            service=s.service,
            title=s.title,
            started=_local_date(s.received_at),
            rpw=entry.rpw,
            document_ref=str(s.public_id),
            applicant=s.submitter,
            company=s.company,
            party=entry.correspondent,
            text=texts[s.pk],
            origin={"submission": s.pk},
        )
        for s, entry in zip(submissions, entries, strict=True)
    ]
    cases = cases_open(openings=openings)
    applicants_create(applicants=[(case, o.party) for case, o in zip(cases, openings, strict=True)])
    cases_fees_attach(opened=list(zip(cases, submissions, strict=True)))
    for entry, case in zip(entries, cases, strict=True):
        entry.case = case
    update_rows(entries, fields=["case"])
    case_events_add(
        events=[
            (case, "attention", _attention_of(s), str(s.public_id))
            for s, case in zip(submissions, cases, strict=True)
            if s.needs_attention
        ]
    )
    for submission, case in zip(submissions, cases, strict=True):
        submission.case = case
        submission.stage = Stage.CASE_OPENED
    return cases


# --- step 4: notify -------------------------------------------------------------------------


def _notice_new(*, submission: Submission, office_names: dict[int, str]) -> InboxMessage:
    names = office_names
    if submission.office_id not in names:
        names[submission.office_id] = office_identity_current(submission.office).official_name
    case = submission.case
    notice = "needs_checking" if submission.needs_attention else "case_opened"
    params = {
        "office": names[submission.office_id],
        "title": submission.title,
        "sign": case.sign,
        "deadline": case.deadline.isoformat() if case.deadline else None,
    }
    if submission.needs_attention:
        params["attention"] = _attention_of(submission)
    title, body = notice_text_of_record(notice=notice, params=params)
    return InboxMessage(
        recipient=submission.submitter,
        company=submission.company,
        kind=MessageKind.NOTICE,
        title=title[:300],
        body=body,
        notice=notice,
        params=params,
        office_id=submission.office_id,
        submission=submission,
        case=case,
        created_at=timezone.now(),
        email_due_at=timezone.now() if submission.submitter.email else None,
    )


COMPLETED_FIELDS = ["case", "stage", "completed_at", "intake_error", *SIGNATURE_FIELDS]


def _completed(submission: Submission) -> None:
    submission.stage = Stage.COMPLETED
    submission.completed_at = timezone.now()
    submission.intake_error = ""


def notify(*, submission: Submission, office_names: dict[int, str] | None = None) -> InboxMessage:
    """Step 4 (``office_names``: the offices' official names known already, by key; a batch
    reads each office's once)."""
    message = _notice_new(
        submission=submission, office_names={} if office_names is None else office_names
    )
    message.save(force_insert=True)
    _completed(submission)
    submission.save(update_fields=COMPLETED_FIELDS)
    return message


def _notify_many(
    *, submissions: list[Submission], office_names: dict[int, str]
) -> list[InboxMessage]:
    """Step 4 of many submissions (as :func:`notify` of each): one insert, one update."""
    messages = InboxMessage.objects.bulk_create(
        _notice_new(submission=s, office_names=office_names) for s in submissions
    )
    # a submission whose signature was stored before keeps it (not loaded: not written)
    unloaded: dict[frozenset, list[Submission]] = {}
    for submission in submissions:
        _completed(submission)
        unloaded.setdefault(frozenset(submission.get_deferred_fields()), []).append(submission)
    for deferred, group in unloaded.items():
        fields = [f for f in COMPLETED_FIELDS if f not in deferred]
        update_rows(group, fields=fields)
    return messages


# --- the whole intake -----------------------------------------------------------------------


@dataclass
class BatchOutcome:
    """What one batch did: the submissions it completed and those that failed (the error of
    each, recorded on it by :func:`intake_failed`)."""

    completed: list[int]
    failed: dict[int, Exception]


def _claim(
    *, submission_id: int | None, limit: int, force: bool, now: dt.datetime
) -> tuple[list[int], bool]:
    """Lease ``submission_id`` (when not completed; unless ``force``, only when no other run
    holds its lease) and up to ``limit`` submissions in all with others never tried yet; and
    whether more wait beyond. A message that finds its own submission held by another run
    still claims the waiting ones: acceptances send no message while a run is queued
    (:func:`documents.dispatch.dispatch_intake_wake`), so theirs may be the only one."""
    lease = {"intake_attempts": F("intake_attempts") + 1, "intake_due_at": now + LEASE}
    claimed = []
    if submission_id is not None:
        own = Submission.objects.filter(pk=submission_id, stage__lt=Stage.COMPLETED)
        if not force:
            own = own.filter(Q(intake_attempts=0) | Q(intake_due_at__lte=now))
        if own.update(**lease):
            claimed.append(submission_id)
            limit -= 1
    if limit <= 0:
        return claimed, False
    # from here on, an acceptance queues a run of its own: those before are claimed below
    dispatch.intake_wake_taken()
    waiting = Submission.objects.filter(stage__lt=Stage.COMPLETED, intake_attempts=0)
    with transaction.atomic():
        pks = list(
            waiting.select_for_update(skip_locked=True)
            .exclude(pk=submission_id)
            .order_by("pk")
            .values_list("pk", flat=True)[: limit + 1]
        )
        more, pks = len(pks) > limit, pks[:limit]
        if connection.features.has_select_for_update_skip_locked:  # the rows are ours now
            if pks:
                waiting.filter(pk__in=pks).update(**lease)
            return claimed + pks, more
    # without row locks (SQLite): claim one at a time, by the conditional update
    return claimed + [pk for pk in pks if waiting.filter(pk=pk).update(**lease)], more


def _complete(
    *,
    submission: Submission,
    outcome: SignatureOutcome | None,
    texts: dict[int, str],
    office_names: dict[int, str],
) -> InboxMessage:
    """Steps 1 (storing the checked outcome) to 4 of a locked submission not completed."""
    with case_search_batch():
        if submission.stage < Stage.SIGNATURE_CHECKED:
            if outcome is None:  # a concurrent run stored it and then rolled back
                raise TemporaryFailure("signature report missing")
            signature_store(submission=submission, outcome=outcome)
        entry = register(submission=submission)
        if submission.reply_to_id:
            _reply_attach(submission=submission, entry=entry)
        else:  # a batch of one
            _cases_open(submissions=[submission], entries=[entry], texts=texts)
        return notify(submission=submission, office_names=office_names)


def _complete_many(
    *,
    submissions: list[Submission],
    outcomes: dict[int, SignatureOutcome | None],
    texts: dict[int, str],
    office_names: dict[int, str],
) -> list[InboxMessage]:
    """Steps 1 to 4 of new applications of one office (:func:`_bulk_ready`), set-based: what
    :func:`_complete` does for each, in a few statements for all."""
    with case_search_batch():  # a fee paid before writes a line: its case is indexed again
        for submission in submissions:
            if submission.stage < Stage.SIGNATURE_CHECKED:
                signature_store(submission=submission, outcome=outcomes[submission.pk])
        entries = _register_many(submissions=submissions)
        _cases_open(submissions=submissions, entries=entries, texts=texts)
        return _notify_many(submissions=submissions, office_names=office_names)


def _bulk_ready(
    submission: Submission, outcomes: dict[int, SignatureOutcome | None], texts: dict[int, str]
) -> bool:
    """Whether the set-based path takes the submission: a new application (a reply attaches
    to its case one by one) with its outcome at hand and a case class to open."""
    return (
        not submission.reply_to_id
        and submission.stage < Stage.REGISTERED
        and (submission.stage >= Stage.SIGNATURE_CHECKED or outcomes[submission.pk] is not None)
        and submission.pk in texts
        and case_openable(office=submission.office, service=submission.service)
    )


def _complete_office(
    *,
    pks: list[int],
    outcomes: dict[int, SignatureOutcome | None],
    texts: dict[int, str],
    result: BatchOutcome,
    office_names: dict[int, str],
) -> None:
    """Complete the batch's submissions of one office, inside the caller's transaction, in
    their order: each run of new applications set-based in one savepoint, the others (and a
    run whose savepoint failed) each in its own savepoint (a failure rolls back that item
    only, its numbers and audit entries with it)."""
    locked = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("service__department", "office", "submitter", "company")
        .defer("document", "signature_report", "attachment_signatures")
        .filter(stage__lt=Stage.COMPLETED)
        .order_by("pk")
    )
    messages: list[int] = []
    done: list[int] = []
    entries: list = []  # the audit entries of the items completed, written at the end
    runs = itertools.groupby(
        locked.filter(pk__in=pks), key=lambda s: _bulk_ready(s, outcomes, texts)
    )
    for bulk, items in runs:
        run = list(items)
        if bulk and len(run) > 1:
            try:
                with transaction.atomic(), audit.collected() as audited:
                    sent = _complete_many(
                        submissions=run, outcomes=outcomes, texts=texts, office_names=office_names
                    )
            except Exception:  # rolled back: each on its own, so the failure is the item's
                logger.warning("intake: a run of %s goes one by one", len(run), exc_info=True)
                run = list(locked.filter(pk__in=[s.pk for s in run]))
            else:
                entries += audited
                messages += [message.pk for message in sent]
                done += [submission.pk for submission in run]
                continue
        for submission in run:
            try:
                with transaction.atomic(), audit.collected() as audited:
                    message = _complete(
                        submission=submission,
                        outcome=outcomes[submission.pk],
                        texts=texts,
                        office_names=office_names,
                    )
            except Exception as exc:  # rolled back to its savepoint, its entries dropped
                result.failed[submission.pk] = exc
            else:
                entries += audited
                messages.append(message.pk)
                done.append(submission.pk)
    result.completed += done
    # the chains' head locks last, once per chain (lock order: RPW counter first)
    audit.record_many(actor=None, entries=entries)
    if messages:
        dispatch_on_commit(
            task_name="documents.tasks.inbox_emails",
            queue_setting="DOCUMENTS_INTAKE_QUEUE",
            message_ids=messages,
        )
    # the UPP PDFs of the batch in one message (the sweeper renders any left overdue)
    pdfs = Receipt.objects.filter(submission_id__in=done, pdf_rendered_at__isnull=True)
    if receipt_ids := list(pdfs.values_list("pk", flat=True)):
        dispatch_on_commit(
            task_name="documents.tasks.receipt_pdfs",
            queue_setting="DOCUMENTS_PDF_QUEUE",
            receipt_ids=receipt_ids,
        )


def intake_batch(
    *, submission_id: int | None = None, limit: int = BATCH_SIZE, force: bool = False
) -> BatchOutcome:
    """Complete ``submission_id`` and up to ``limit - 1`` other waiting submissions; safe to
    call any number of times, concurrently too. Each failure is recorded on its submission
    (:func:`intake_failed`) and returned; the others complete regardless."""
    result = BatchOutcome(completed=[], failed={})
    ids, more = _claim(submission_id=submission_id, limit=limit, force=force, now=timezone.now())
    if more:  # a run for the rest, in another worker process while this one works
        dispatch.dispatch_intake_wake(None)
    if not ids:
        return result
    outcomes: dict[int, SignatureOutcome | None] = {}
    texts: dict[int, str] = {}  # the documents' text, for the search text of their cases
    offices: dict[int, list[int]] = {}
    checks = list(_for_check().filter(pk__in=ids))
    versions = FormVersion.objects.in_bulk({s.form_version_id for s in checks})
    for submission in checks:  # outside any transaction: network
        submission.form_version = versions[submission.form_version_id]
        try:
            document = bytes(submission.document)
            root = _parsed(document) if submission.stage < Stage.SIGNATURE_CHECKED else None
            outcomes[submission.pk] = _signature_outcome(submission, root=root)
            texts[submission.pk] = document_text(
                document=document, form_version=submission.form_version, root=root
            )
        except Exception as exc:  # recorded on the item; the others go on
            result.failed[submission.pk] = exc
        else:
            offices.setdefault(submission.office_id, []).append(submission.pk)
    office_names: dict[int, str] = {}
    # one transaction per office, in office order: an office's RPW counter is the first lock
    # taken in it and is held to the commit, so two batches queue on it (never deadlock) and
    # one works in another office meanwhile
    for office_id in sorted(offices):
        try:
            with transaction.atomic():
                _complete_office(
                    pks=offices[office_id],
                    outcomes=outcomes,
                    texts=texts,
                    result=result,
                    office_names=office_names,
                )
        except Exception as exc:  # the transaction failed (a lock, the connection)
            for pk in offices[office_id]:
                result.failed.setdefault(pk, exc)
            done = set(offices[office_id])
            result.completed = [pk for pk in result.completed if pk not in done]
    for pk, exc in result.failed.items():
        if not isinstance(exc, TemporaryFailure):
            logger.error("intake of submission %s failed", pk, exc_info=exc)
        intake_failed(submission_id=pk, error=repr(exc))
    return result


def intake_process(*, submission_id: int) -> Submission:
    """Run every step of one submission not yet done (its lease taken over); safe to call any
    number of times, concurrently too. Raises the error its step failed with (recorded)."""
    result = intake_batch(submission_id=submission_id, limit=1, force=True)
    if submission_id in result.failed:
        raise result.failed[submission_id]
    return Submission.objects.get(pk=submission_id)


def intake_failed(*, submission_id: int, error: str) -> None:
    """Record a failure and when the sweeper should try again."""
    submission = Submission.objects.only("intake_attempts").get(pk=submission_id)
    Submission.objects.filter(pk=submission_id, stage__lt=Stage.COMPLETED).update(
        intake_error=error[:500],
        intake_due_at=timezone.now() + backoff(submission.intake_attempts),
    )


def intake_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Dispatch submissions whose intake is overdue, UPP PDFs not yet rendered and e-mail
    notices still due."""
    now = now or timezone.now()
    counts = {"intake": 0, "pdf": 0, "email": 0}
    due = list(
        Submission.objects.filter(stage__lt=Stage.COMPLETED, intake_due_at__lte=now)
        .order_by("intake_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    # claim by moving the due time, so parallel sweepers do not dispatch one twice; all
    # claimed before any is dispatched (an eager run's batch would take the others along)
    claimed = [
        pk
        for pk in due
        if Submission.objects.filter(pk=pk, intake_due_at__lte=now).update(
            intake_due_at=now + LEASE
        )
    ]
    for pk in claimed:
        dispatch.dispatch_intake(pk, force=True)
    counts["intake"] = len(claimed)
    pdfs = list(
        Receipt.objects.filter(pdf_rendered_at__isnull=True, pdf_due_at__lte=now)
        .order_by("pdf_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pdfs:
        if Receipt.objects.filter(pk=pk, pdf_due_at__lte=now).update(pdf_due_at=now + LEASE):
            dispatch.dispatch_receipt_pdf(pk)
            counts["pdf"] += 1
    counts["email"] = inbox_email_sweep(now=now, limit=limit)
    return counts
