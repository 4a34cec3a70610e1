"""Applications from the first step to the submission: drafts, the document, signing, sending."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from forms_platform import selectors as forms
from forms_platform.definition import iter_fields
from forms_platform.errors import FormsError
from forms_platform.fieldtypes import Attachment
from offices.models import Service
from sekap import audit
from sekap.accounts.models import Company, User
from sekap.accounts.selectors import may_represent
from sekap.errors import DomainError, NotAllowed

from ..models import Draft, DraftKind, DraftStatus, SignatureMethod
from .accounts import profile_of

# A reply in a case is named by its own title (the general letter form's field), not the form's.
REPLY_TITLE_FIELD = "Tytul"

logger = logging.getLogger(__name__)


class DraftError(DomainError):
    code = "portal.draft"
    message = gettext_lazy("The application could not be changed.")


class DocumentMismatch(DraftError):
    code = "portal.signed_document_mismatch"
    message = gettext_lazy(
        "The uploaded file is not the document prepared for this application, or it was "
        "changed before signing. Download the XML again, sign it without changing it and upload "
        "the signed file."
    )


class NotSigned(DraftError):
    code = "portal.not_signed"
    message = gettext_lazy("The uploaded file has no signature. Sign it and upload it again.")


# --- JSON for stored answers ----------------------------------------------------------------


def to_json(value: Any) -> Any:
    """Canonical form data as JSON (attachments as base64, dates as ISO text)."""
    if isinstance(value, Attachment):
        return value.as_json()
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def step_field_names(draft: Draft, step_key: str) -> list[str]:
    for step in draft.steps:
        if step["key"] == step_key:
            return [spec["name"] for spec in iter_fields({"steps": [step]})]
    raise DraftError(_("This form has no such step."))


def attachments_of(draft: Draft) -> list[dict]:
    """The files attached so far: field, name and size (for listings)."""
    found = []
    for spec in iter_fields(draft.version.definition):
        if spec["type"] == "attachment":
            for item in draft.data.get(spec["name"]) or []:
                size = item.get("size")
                if size is None:  # saved through the services without it (seeds, API)
                    size = _decoded_size(item.get("content_base64") or "")
                found.append({"field": spec["name"], "name": item["name"], "size": size})
    return found


def _decoded_size(content_base64: str) -> int:
    """The number of bytes ``content_base64`` decodes to, without decoding it."""
    text = "".join(content_base64.split())
    return len(text) * 3 // 4 - text[-2:].count("=")


# --- drafts ---------------------------------------------------------------------------------


def _check_owner(draft: Draft, user: User) -> None:
    if draft.owner_id != user.pk:
        raise NotAllowed()


@transaction.atomic
def draft_start(
    *, user: User, service: Service, company: Company | None = None, case_id: int | None = None
) -> Draft:
    if not service.is_active:
        raise DraftError(_("This office does not offer this service any more."))
    if company is not None and not may_represent(user=user, company=company):
        raise NotAllowed(_("You are not authorised to act for this company."))
    version = forms.current_version(service.form_template)
    if version is None:
        raise DraftError(_("The form of this service is not available now. Try again later."))
    draft = Draft.objects.create(
        owner=user,
        company=company,
        service=service,
        version=version,
        kind=DraftKind.REPLY if case_id else DraftKind.APPLICATION,
        case_id_ref=case_id,
    )
    audit.record(
        actor=user,
        action="portal.draft.started",
        target=draft,
        after={"service": service.pk, "version": version.pk, "company": company and company.pk},
    )
    return draft


def _locked(draft: Draft, user: User) -> Draft:
    draft = Draft.objects.select_for_update().select_related("version", "service").get(pk=draft.pk)
    _check_owner(draft, user)
    if draft.status == DraftStatus.SUBMITTED:
        raise DraftError(_("This application has already been submitted."))
    return draft


def _reopen(draft: Draft) -> None:
    """Any change to the answers drops the prepared document and its signature."""
    draft.status = DraftStatus.FILLING
    draft.pending_signature = None
    draft.pending_octets = None
    draft.pending_certificate = None
    draft.document = None
    draft.document_sha256 = ""
    draft.signed_document = None
    draft.signature_method = ""


@transaction.atomic
def draft_save_step(*, draft: Draft, user: User, step_key: str, step_data: dict) -> Draft:
    """Store the validated answers of one step (replacing that step's previous answers)."""
    draft = _locked(draft, user)
    names = step_field_names(draft, step_key)
    data = {key: value for key, value in draft.data.items() if key not in names}
    data.update({key: to_json(value) for key, value in step_data.items() if key in names})
    changed = data != draft.data
    draft.data = data
    if step_key not in draft.completed_steps:
        draft.completed_steps = [*draft.completed_steps, step_key]
        changed = True
    if changed and draft.status != DraftStatus.FILLING:
        _reopen(draft)
    draft.save()
    if changed:
        audit.record(
            actor=user, action="portal.draft.saved", target=draft, after={"step": step_key}
        )
    return draft


@transaction.atomic
def draft_delete(*, draft: Draft, user: User) -> None:
    draft = _locked(draft, user)
    audit.record(actor=user, action="portal.draft.deleted", target=draft, before={"pk": draft.pk})
    draft.delete()


def parties(draft: Draft) -> tuple[dict, dict]:
    """(sender, addressee) of the document: the person or company, and the office."""
    user = draft.owner
    if draft.company is not None:
        company = draft.company
        sender: dict = {"kind": "institution", "name": company.name, "nip": company.nip}
        if company.regon:
            sender["regon"] = company.regon
        if company.krs:
            sender["krs"] = company.krs
    else:
        sender = {"kind": "person", "first_name": user.first_name, "last_name": user.last_name}
        if user.pesel:
            sender["pesel"] = user.pesel
        profile = profile_of(user)
        if profile.has_address:
            sender["address"] = profile.address
    addressee = {"kind": "institution", "name": draft.service.office.name}
    return sender, addressee


def document_title(draft: Draft) -> str | None:
    """The document's own name: a reply's title; None for the form's name."""
    if draft.kind != DraftKind.REPLY:
        return None
    title = draft.data.get(REPLY_TITLE_FIELD)
    return title.strip() if isinstance(title, str) and title.strip() else None


def missing_steps(draft: Draft) -> list[dict]:
    return [step for step in draft.steps if step["key"] not in draft.completed_steps]


@transaction.atomic
def draft_prepare(*, draft: Draft, user: User) -> Draft:
    """Build and freeze the XML document that will be signed (validated by the form's XSD)."""
    draft = _locked(draft, user)
    if draft.status != DraftStatus.FILLING and draft.document:
        return draft
    if missing_steps(draft):
        raise DraftError(_("Fill in every step of the form first."))
    errors = forms.validate_data(draft.version, draft.data)
    if errors:
        raise DraftError(_("Some answers are not valid any more. Check the steps again."))
    sender, addressee = parties(draft)
    try:
        document = forms.build_document(
            version=draft.version,
            data=draft.data,
            sender=sender,
            addressee=addressee,
            title=document_title(draft),
        )
    except FormsError as exc:
        raise DraftError(str(exc.message)) from exc
    draft.document = document
    draft.document_sha256 = hashlib.sha256(document).hexdigest()
    draft.status = DraftStatus.READY
    draft.save()
    audit.record(
        actor=user,
        action="portal.draft.prepared",
        target=draft,
        after={"sha256": draft.document_sha256},
    )
    return draft


# --- signing --------------------------------------------------------------------------------


def platform_seal() -> tuple[Any, list]:
    """The platform seal's signing key and certificate chain (kept by ``certauth``)."""
    from certauth.services import seals

    key, chain = seals.platform_seal()
    return key, list(chain)


def _signed(draft: Draft, signed: bytes, method: str, user: User) -> Draft:
    draft.signed_document = signed
    draft.signature_method = method
    draft.status = DraftStatus.SIGNED
    draft.save()
    audit.record(
        actor=user,
        action="portal.draft.signed",
        target=draft,
        after={"method": method, "sha256": hashlib.sha256(signed).hexdigest()},
    )
    return draft


def _ready(draft: Draft) -> bytes:
    if draft.status not in (DraftStatus.READY, DraftStatus.SIGNED) or not draft.document:
        raise DraftError(_("Prepare the document for signing first."))
    return bytes(draft.document)


class SealSigningFailed(DraftError):
    code = "portal.seal_signing_failed"
    message = gettext_lazy(
        "The SEKAP personal signature could not be made now, because the time-stamping "
        "service is not answering. Your application is kept as a draft and nothing was sent. "
        "Try again in a few minutes, or download the document, sign it with your own "
        "certificate and upload it."
    )


SEAL_FAULT = gettext_lazy(
    "The SEKAP personal signature could not be made now because of a fault on our side. "
    "Your application is kept as a draft and nothing was sent. Try again later, or download "
    "the document, sign it with your own certificate and upload it."
)


class ChangedWhileSigning(DraftError):
    code = "portal.changed_while_signing"
    message = gettext_lazy(
        "The application was changed while it was being signed. Check it and sign it again."
    )


def draft_sign_trusted_profile(*, draft: Draft, user: User) -> Draft:
    """The platform seals the document on behalf of the verified user (the SEKAP personal
    signature). The seal signs outside any transaction (an external TSA is a network call);
    the result is stored only if the draft still holds the same document. On any failure the
    draft stays as it was and the person is told what to do."""
    from signatures.services import SigningUnavailable, timestamp_source, trusted_profile_sign

    with transaction.atomic():
        document = _ready(_locked(draft, user))
    if not user.is_identity_verified:
        raise NotAllowed(
            _(
                "Only a person whose identity is verified can sign with the SEKAP personal "
                "signature."
            )
        )
    level = "B-T" if timestamp_source() else "B-B"
    try:
        key, chain = platform_seal()
        signed = trusted_profile_sign(
            xml_bytes=document, user=user, key=key, cert_chain=chain, level=level
        )
    except SigningUnavailable as exc:
        raise SealSigningFailed() from exc
    except DomainError:
        raise
    except Exception as exc:  # the seal or its key unavailable: keep the draft, say so
        logger.exception("Signing draft %s with the platform seal failed", draft.pk)
        raise SealSigningFailed(str(SEAL_FAULT)) from exc
    with transaction.atomic():
        locked = _locked(draft, user)
        if locked.document is None or bytes(locked.document) != document:
            raise ChangedWhileSigning()
        return _signed(locked, signed, SignatureMethod.TRUSTED_PROFILE, user)


def same_document(prepared: bytes, signed: bytes) -> bool:
    """True when ``signed`` is ``prepared`` with enveloped ``ds:Signature`` elements added."""
    from signatures import browser

    try:
        return browser.same_document(prepared, signed)
    except browser.NotSignedDocument:
        raise NotSigned() from None
    except browser.XmlRejected:
        raise DocumentMismatch() from None


@transaction.atomic
def draft_attach_signed(*, draft: Draft, user: User, signed_xml: bytes) -> Draft:
    """Accept the document signed elsewhere, if it is exactly the prepared one."""
    draft = _locked(draft, user)
    document = _ready(draft)
    if not same_document(document, signed_xml):
        raise DocumentMismatch()
    return _signed(draft, signed_xml, SignatureMethod.UPLOADED, user)


# --- signing in the browser (WebCrypto, the key from the certauth enrolment) ---------------


def browser_key_id(der: bytes) -> str:
    """The id under which certauth's enrolment script keeps the key in IndexedDB."""
    from signatures.browser import key_id

    return key_id(der)


def browser_certificates(user: User) -> dict[str, Any]:
    """The user's valid P-256 signing certificates by browser key id."""
    from certauth.selectors import certificates_of

    found = {}
    now = dt.datetime.now(dt.UTC)
    for row in certificates_of(holder=user).filter(status="valid", is_ca=False):
        if row.not_before <= now <= row.not_after and row.key_type == "EC-P256":
            found[browser_key_id(bytes(row.der))] = row
    return found


@transaction.atomic
def browser_signing_start(*, draft: Draft, user: User, key_id: str) -> bytes:
    """Build the XAdES signature around the user's certificate; return the octets (the
    canonical SignedInfo) the browser must sign with its private key."""
    from certauth.selectors import certificate_chain
    from signatures import browser

    draft = _locked(draft, user)
    document = _ready(draft)
    certificate = browser_certificates(user).get(key_id)
    if certificate is None:
        raise DraftError(_("This browser's key has no valid SEKAP certificate of yours."))
    pending, octets = browser.prepare(document, chain=certificate_chain(certificate))
    draft.pending_signature = pending
    draft.pending_octets = octets
    draft.pending_certificate = certificate
    draft.save(update_fields=["pending_signature", "pending_octets", "pending_certificate"])
    return octets


@transaction.atomic
def browser_signing_finish(*, draft: Draft, user: User, signature_value: bytes) -> Draft:
    """Put the browser's ECDSA signature (r||s) into the prepared signature, after checking it
    against the certificate's public key."""
    from signatures import browser

    draft = _locked(draft, user)
    document = _ready(draft)
    if not draft.pending_signature or draft.pending_certificate is None:
        raise DraftError(_("Start signing in the browser again."))
    if len(signature_value) != 64:
        raise DraftError(_("The browser returned a signature in an unknown format."))
    if not browser.value_matches(
        certificate_der=bytes(draft.pending_certificate.der),
        octets=bytes(draft.pending_octets),
        signature_value=signature_value,
    ):
        raise DraftError(_("The signature made in the browser does not match your certificate."))
    signed = browser.complete(bytes(draft.pending_signature), signature_value=signature_value)
    if signed is None:
        raise DraftError(_("Start signing in the browser again."))
    if not same_document(document, signed):
        raise DocumentMismatch()
    draft.pending_signature = None
    draft.pending_octets = None
    draft.pending_certificate = None
    return _signed(draft, signed, SignatureMethod.BROWSER, user)


# --- submitting -----------------------------------------------------------------------------


def draft_submit(*, draft: Draft, user: User, idempotency_key: str, channel: str = "portal"):
    """Hand the signed document to the office's mailbox; a repeated click returns the same.

    The accept runs outside any transaction and row lock (it stores the document and its
    receipt first: object storage is a network call); the draft's idempotency key makes a
    double click, even a concurrent one, one submission. The draft is then marked under its
    lock, if it is still the one that was sent."""
    from documents import services as documents

    draft = Draft.objects.select_related("service").get(pk=draft.pk)
    _check_owner(draft, user)
    try:
        key = uuid.UUID(str(idempotency_key))
    except ValueError as exc:
        raise DraftError(_("The form is out of date. Open the application again.")) from exc
    if key != draft.idempotency_key:
        raise DraftError(_("The form is out of date. Open the application again."))
    if draft.status not in (DraftStatus.SIGNED, DraftStatus.SUBMITTED):
        raise DraftError(_("Sign the document before sending it."))
    if draft.kind == DraftKind.REPLY:
        submission = documents.reply_accept(
            submitter=user,
            case=_case_of(draft, user),
            signed_xml=bytes(draft.signed_document),
            idempotency_key=str(key),
            channel=channel,
            service=draft.service,
            scanned=True,  # its files were scanned as they were uploaded
        )
    else:
        submission = documents.submission_accept(
            submitter=user,
            service=draft.service,
            signed_xml=bytes(draft.signed_document),
            company=draft.company,
            idempotency_key=str(key),
            channel=channel,
            scanned=True,  # its files were scanned as they were uploaded
        )
    draft_mark_submitted(draft=draft, user=user, key=key, submission=submission)
    return submission


@transaction.atomic
def draft_mark_submitted(
    *, draft: Draft, user: User, key: uuid.UUID, submission, signed: bool = True
) -> None:
    """Mark the draft sent with ``key`` as submitted (audited), under its lock; nothing when
    a concurrent click marked it, or when it is no longer the draft that was sent."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == DraftStatus.SUBMITTED or draft.idempotency_key != key:
        return  # marked by a concurrent click, or no longer the draft that was sent
    draft.status = DraftStatus.SUBMITTED
    draft.submission_public_id = submission.public_id
    draft.save()
    audit.record(
        actor=user,
        action="portal.draft.submitted",
        target=draft,
        after={"submission": str(submission.public_id), **({} if signed else {"signed": False})},
    )


def _case_of(draft: Draft, user: User):
    from documents import selectors as documents

    case = documents.case_for(user=user, pk_or_sign=draft.case_id_ref)
    if case is None:
        raise NotAllowed()
    return case
