"""Accepting signed documents into an office's electronic mailbox (ESP)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from forms_platform.errors import DocumentInvalid
from forms_platform.models import FormVersion
from forms_platform.selectors import read_document, signature_required, version_by_namespace
from forms_platform.xmldoc import STR
from offices.models import Service
from sekap import antivirus, audit, prepared
from sekap.accounts.selectors import may_represent
from sekap.errors import DomainError
from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted
from signatures import services as signatures
from signatures.constants import DS

from .. import dispatch
from ..errors import (
    IdempotencyConflict,
    NotRepresentative,
    ServiceUnavailable,
    SubmissionDocumentInvalid,
    SubmissionMalformed,
    SubmissionNotSigned,
    SubmissionTooLarge,
    SubmissionWrongForm,
)
from ..models import Case, Channel, InboxMessage, MessageKind, Receipt, Submission
from .fees import submission_fees_issue
from .receipts import upp_issue

logger = logging.getLogger(__name__)

# The sweeper dispatches a submission again when its intake has not completed by then.
INTAKE_GRACE = dt.timedelta(minutes=2)


def max_bytes() -> int:
    return signatures.max_document_bytes()


_versions: dict[str, FormVersion] = {}


def forget_form_versions(**_kwargs) -> None:
    """Drop cached versions (connected to FormVersion saves and deletes in apps.py)."""
    _versions.clear()


def _version_for(root) -> FormVersion | None:
    """The published form version of the document's namespace (immutable: cached)."""
    namespace = etree.QName(root).namespace or ""
    version = _versions.get(namespace)
    if version is None:
        version = version_by_namespace(namespace)
        if version is not None and version.status != "draft":
            _versions[namespace] = version
    return version


def is_signed(root: etree._Element) -> bool:
    """Whether the document carries an enveloped signature (what intake then validates)."""
    return root.find(f"{{{DS}}}Signature") is not None


def _check_document(*, service: Service, signed_xml: bytes, scan: bool):
    """The document read against its form version; refused when malformed, of another form,
    or unsigned while its form version requires a signature (an unsigned letter of a kind the
    law lets anyone file without one, from a logged-in submitter, is accepted). With ``scan``,
    the document and each attachment it carries are checked for malware (ClamAV)."""
    if len(signed_xml) > max_bytes():
        raise SubmissionTooLarge(
            SubmissionTooLarge.message % {"limit": max_bytes() // (1024 * 1024)}
        )
    try:
        parsed = parse_untrusted(signed_xml, limits=ParseLimits(max_bytes=max_bytes()))
    except XmlRejected as exc:
        raise SubmissionMalformed() from exc
    version = _version_for(parsed.root)
    if not is_signed(parsed.root) and (version is None or signature_required(version)):
        raise SubmissionNotSigned()
    try:
        document = read_document(signed_xml, version=version, root=parsed.root)
    except DocumentInvalid as exc:
        if "namespace" in str(exc):
            raise SubmissionWrongForm() from exc
        raise SubmissionDocumentInvalid(
            SubmissionDocumentInvalid.message % {"detail": str(exc)[:300]}
        ) from exc
    if document.version.template_id != service.form_template_id:
        raise SubmissionWrongForm()
    if scan:
        _scan(signed_xml=signed_xml, root=parsed.root)
    return document


def _scan(*, signed_xml: bytes, root: etree._Element) -> None:
    """ClamAV over the document and over each attachment it carries (base64 in
    ``str:Zalacznik``, decoded), reading the tree already parsed; raises
    ``antivirus.MalwareFound`` naming the file, or ``antivirus.ScannerUnavailable``."""
    if not antivirus.enabled():
        return
    antivirus.scan(content=signed_xml, name="document.xml")
    for number, element in enumerate(root.iter(f"{STR}Zalacznik"), start=1):
        try:
            content = base64.b64decode(element.findtext(f"{STR}DaneZalacznika") or "")
        except (binascii.Error, ValueError) as exc:
            raise SubmissionMalformed() from exc
        antivirus.scan(content=content, name=element.get("nazwaPliku") or f"{number}")


def _existing(*, submitter, idempotency_key: str, sha256: str) -> Submission | None:
    row = (
        Submission.objects.filter(submitter=submitter, idempotency_key=idempotency_key)
        .order_by()
        .values_list("pk", "sha256")
        .first()
    )
    if row is None:
        return None
    if row[1] != sha256:
        raise IdempotencyConflict()
    return Submission.objects.select_related("office", "receipt").defer("document").get(pk=row[0])


def submission_accept(
    *,
    submitter,
    service: Service,
    signed_xml: bytes,
    company=None,
    idempotency_key: str,
    channel: str,
    reply_to: Case | None = None,
    scanned: bool = False,
) -> Submission:
    """Store the signed bytes once, record receipt and issue the sealed UPP.

    Unless ``scanned`` (the portal, whose uploads were scanned as they arrived and which calls
    this under its draft's row lock), the document and its attachments are scanned for malware
    first, outside any transaction: an infected file is refused and nothing is stored. The
    bytes and the sealed UPP are stored before the transaction (object storage is a network
    call); the transaction writes the rows only.

    The same ``idempotency_key`` (per submitter) with the same bytes returns the first
    submission; with other bytes it is refused. The key is looked up only when the insert
    meets it or the document is refused (a repeat is rare; every first submit saves the
    query), so a repeat gets the first answer even when the document would be refused now.
    The intake pipeline is dispatched after commit (its batch queues the PDFs of the UPPs).
    """
    signed_xml = bytes(signed_xml)
    sha256 = hashlib.sha256(signed_xml).hexdigest()
    idempotency_key = (idempotency_key or sha256)[:100]
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    try:
        return _accept(
            submitter=submitter,
            service=service,
            signed_xml=signed_xml,
            sha256=sha256,
            company=company,
            idempotency_key=idempotency_key,
            channel=channel,
            reply_to=reply_to,
            scanned=scanned,
        )
    except (IntegrityError, DomainError):
        # the key was used before (or by a concurrent double submit that won the race):
        # its submission, or 409 when it carried other bytes
        found = _existing(submitter=submitter, idempotency_key=idempotency_key, sha256=sha256)
        if found is None:
            raise
        return found


def _accept(
    *,
    submitter,
    service: Service,
    signed_xml: bytes,
    sha256: str,
    company,
    idempotency_key: str,
    channel: str,
    reply_to: Case | None,
    scanned: bool,
) -> Submission:
    if not service.is_active:
        raise ServiceUnavailable()
    if company is not None and not may_represent(user=submitter, company=company):
        raise NotRepresentative()
    document = _check_document(service=service, signed_xml=signed_xml, scan=not scanned)
    title = (document.envelope.title or document.version.title or service.title)[:300]
    now = timezone.now()
    submission = Submission(
        submitter=submitter,
        company=company,
        office=service.office,
        service=service,
        form_version=document.version,
        reply_to=reply_to,
        title=title,
        channel=channel,
        idempotency_key=idempotency_key,
        # stored before the transaction (object storage is a network call)
        document=Submission._meta.get_field("document").store(signed_xml),
        sha256=sha256,
        size=len(signed_xml),
        received_at=now,
        intake_due_at=now + INTAKE_GRACE,
    )
    receipt = upp_issue(submission=submission)  # sealed and stored, not saved yet
    with transaction.atomic():
        prepared.insert(submission)
        receipt.submission = submission
        prepared.insert(receipt)
        _record(submission=submission, receipt=receipt)
        submission_fees_issue(submission=submission, service=service, data=document.data)
        _audit(submission=submission, receipt=receipt)  # last: the office chain's head lock
    return submission


def _record(*, submission: Submission, receipt: Receipt) -> None:
    message = InboxMessage(
        recipient=submission.submitter,
        company=submission.company,
        kind=MessageKind.RECEIPT,
        title=f"UPO: {submission.title}"[:300],
        body="",
        office_id=submission.office_id,
        submission=submission,
        case=submission.reply_to,
        receipt=receipt,
        created_at=submission.received_at,
        read_at=None,
    )
    prepared.insert(message)
    transaction.on_commit(lambda: dispatch_after_accept(submission.pk))


def _audit(*, submission: Submission, receipt: Receipt) -> None:
    audit.record(
        actor=submission.submitter,
        action="documents.submission_received",
        target=submission,
        after={
            "public_id": str(submission.public_id),
            "office": submission.office_id,
            "service": submission.service_id,
            "sha256": submission.sha256,
            "size": submission.size,
            "channel": submission.channel,
            "company": submission.company_id,
            "reply_to": submission.reply_to_id,
            "receipt_sha256": receipt.sha256,
        },
    )


def dispatch_after_accept(submission_id: int) -> None:
    """Queue the intake (no message when a run is queued and not started yet: it claims this
    one too); a broker outage only delays it (the sweeper dispatches overdue intakes). The
    PDF of the UPP is not queued here: the intake batch queues its receipts' PDFs in one
    message, and the sweeper those still unrendered after ``PDF_GRACE``."""
    dispatch.dispatch_intake_wake(submission_id)
