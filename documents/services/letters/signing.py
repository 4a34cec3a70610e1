"""Signing an approved decision with the authorised official's own SEKAP certificate (the
clerk certificate certauth issues to their staff account), in the browser or as a file signed
elsewhere and uploaded; the office seal (``decisions.decision_sign``) only where the office
and the template allow it.

1. ``decision_to_sign``: the decision XML is fixed for one official (their name and position,
   the date of issue, the letter id it will carry) and kept as the document to sign.
2. Either the browser signs it (``decision_browser_start`` builds the XAdES signature around
   the official's certificate and answers the octets; ``decision_browser_finish`` puts the
   browser's value in), or the official uploads the file they signed elsewhere.
3. ``decision_sign_personal`` validates the signed file (``signatures.services.validate``:
   trusted chain, not revoked, outside any transaction), then under the decision's lock checks
   that the signed content is exactly the prepared document, that the certificate is this
   official's clerk certificate for this office, and that they are authorised to sign here;
   only then is it stored as the decision's letter and the case moved on by
   ``case_transition``. A refusal changes nothing: the prepared document stays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certauth.models import Certificate, CertificateStatus, SubjectKind
from certauth.selectors import certificate_chain, certificates_of
from sekap import audit
from signatures import browser
from signatures import services as signatures
from signatures.presentation import reason_for

from ...errors import SignatureRefused
from ...models import Decision, DecisionStatus, Letter, SignatureKind
from .issuing import (
    TO_SIGN_FIELDS,
    decision_issue,
    decision_locked,
    pending_clear,
    position_of,
    role_require,
    status_expect,
)
from .output import decision_xml


@dataclass(frozen=True)
class SigningChoice:
    """What the official may do on the "to sign" step."""

    seal: bool  # the office and the template allow the office seal
    certificates: tuple[Certificate, ...]  # their valid clerk certificates for this office
    browser_keys: tuple[str, ...]  # ids of those a browser key can sign with (P-256)
    prepared: bool  # the document to sign is ready for them


def seal_allowed(*, decision: Decision) -> bool:
    """The office seal may sign this decision: the office allows it on decisions and the
    decision's template does not forbid it."""
    return bool(decision.seal_allowed and decision.case.office.decision_seal_allowed)


def clerk_certificates(*, user, office, at: dt.datetime | None = None) -> list[Certificate]:
    """The user's valid clerk signing certificates naming this office."""
    at = at or timezone.now()
    return list(
        certificates_of(holder=user)
        .filter(
            status=CertificateStatus.VALID,
            is_ca=False,
            profile__subject_kind=SubjectKind.CLERK,
            office_terc=office.terc,
            not_before__lte=at,
            not_after__gte=at,
        )
        .order_by("-not_before")
    )


def browser_certificates(*, user, office) -> dict[str, Certificate]:
    """Those of the user's clerk certificates a browser key can use, by key id."""
    return {
        browser.key_id(bytes(row.der)): row
        for row in clerk_certificates(user=user, office=office)
        if row.key_type == "EC-P256"
    }


def signing_choice(*, decision: Decision, actor) -> SigningChoice:
    office = decision.case.office
    rows = clerk_certificates(user=actor, office=office)
    keys = tuple(browser.key_id(bytes(r.der)) for r in rows if r.key_type == "EC-P256")
    return SigningChoice(
        seal=seal_allowed(decision=decision),
        certificates=tuple(rows),
        browser_keys=keys,
        prepared=bool(decision.to_sign) and decision.to_sign_for_id == actor.pk,
    )


def _prepare(decision: Decision, actor, now: dt.datetime) -> Decision:
    """Fix the decision XML for ``actor`` (kept when it is already theirs)."""
    if decision.to_sign and decision.to_sign_for_id == actor.pk:
        return decision
    case = decision.case
    today = timezone.localdate(now)
    decision.signer_name = (actor.get_full_name() or actor.email)[:200]
    decision.signer_position = position_of(user=actor, case=case, on=today)[:200]
    decision.issued_on = today
    decision.signature_kind = SignatureKind.PERSONAL
    letter_id = uuid.uuid4()
    xml = decision_xml(decision=decision, letter_id=str(letter_id))
    decision.to_sign = xml
    decision.to_sign_sha256 = hashlib.sha256(xml).hexdigest()
    decision.to_sign_for = actor
    decision.to_sign_letter = letter_id
    pending_clear(decision)
    signer = ["signer_name", "signer_position", "issued_on", "signature_kind"]
    decision.save(update_fields=[*signer, *TO_SIGN_FIELDS])
    audit.record(
        actor=actor,
        action="documents.decision_prepared_for_signature",
        target=decision,
        after={"sha256": decision.to_sign_sha256},
    )
    return decision


@transaction.atomic
def decision_to_sign(*, decision: Decision, actor, now: dt.datetime | None = None) -> Decision:
    """The approved decision as the document the official signs with their own certificate
    (``decision.to_sign``), naming them and their position."""
    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.APPROVED)
    role_require(case=decision.case, actor=actor, roles=("signer",), now=now)
    return _prepare(decision, actor, now)


@transaction.atomic
def decision_browser_start(
    *, decision: Decision, actor, key_id: str, now: dt.datetime | None = None
) -> bytes:
    """Build the XAdES signature around the official's certificate whose key this browser
    holds; answer the octets the browser signs."""
    now = now or timezone.now()
    decision = decision_locked(decision)
    status_expect(decision, DecisionStatus.APPROVED)
    role_require(case=decision.case, actor=actor, roles=("signer",), now=now)
    certificate = browser_certificates(user=actor, office=decision.case.office).get(key_id)
    if certificate is None:
        raise SignatureRefused(
            _("This browser's key has no valid SEKAP clerk certificate of yours for this office.")
        )
    decision = _prepare(decision, actor, now)
    pending, octets = browser.prepare(bytes(decision.to_sign), chain=certificate_chain(certificate))
    decision.pending_signature = pending
    decision.pending_octets = octets
    decision.pending_certificate = certificate
    decision.save(update_fields=["pending_signature", "pending_octets", "pending_certificate"])
    return octets


def decision_browser_finish(
    *, decision: Decision, actor, signature_value: bytes, now: dt.datetime | None = None
) -> Decision:
    """Put the browser's value (r||s) into the prepared signature and sign with it."""
    current = Decision.objects.select_related("pending_certificate").get(pk=decision.pk)
    if (
        not current.pending_signature
        or current.pending_certificate is None
        or current.to_sign_for_id != actor.pk
    ):
        raise SignatureRefused(_("Start signing in the browser again."))
    if not browser.value_matches(
        certificate_der=bytes(current.pending_certificate.der),
        octets=bytes(current.pending_octets),
        signature_value=signature_value,
    ):
        raise SignatureRefused(
            _("The signature made in the browser does not match your certificate.")
        )
    signed = browser.complete(bytes(current.pending_signature), signature_value=signature_value)
    if signed is None:
        raise SignatureRefused(_("Start signing in the browser again."))
    return decision_sign_personal(decision=decision, actor=actor, signed_xml=signed, now=now)


def _check_content(decision: Decision, actor, signed_xml: bytes) -> None:
    if not decision.to_sign or decision.to_sign_for_id != actor.pk:
        raise SignatureRefused(
            _(
                "The decision was not prepared for your signature (or was prepared again for "
                "another official): download the document to sign again."
            )
        )
    try:
        same = browser.same_document(bytes(decision.to_sign), signed_xml)
    except browser.NotSignedDocument:
        raise SignatureRefused(
            _("The file has no signature. Sign it and upload it again.")
        ) from None
    except browser.XmlRejected:
        same = False
    if not same:
        raise SignatureRefused(
            _(
                "The signed file is not exactly the approved decision prepared for signature. "
                "Download it again, sign it without changing it and upload the signed file."
            )
        )


def _certificate_of(report, *, decision: Decision, actor) -> Certificate:
    """The certificate of the one valid signature, if it is this official's clerk certificate
    for the decision's office."""
    if report.signatures_count != 1:
        raise SignatureRefused(_("The decision must carry exactly one signature: yours."))
    signature = report.signatures[0]
    if not signature.passed:
        raise SignatureRefused(
            _("The signature is not valid: %(reason)s")
            % {"reason": reason_for(signature.indication, signature.sub_indication)}
        )
    fingerprint = next((c.sha256 for c in signature.certificates if c.role == "SIGNING"), "")
    certificate = (
        Certificate.objects.select_related("profile").filter(sha256=fingerprint).first()
        if fingerprint
        else None
    )
    if certificate is None or certificate.holder_id != actor.pk:
        raise SignatureRefused(
            _("The decision was signed with a certificate that is not yours: sign it yourself.")
        )
    if (
        certificate.profile is None
        or certificate.profile.subject_kind != SubjectKind.CLERK
        or certificate.office_terc != decision.case.office.terc
    ):
        raise SignatureRefused(
            _("Sign with your SEKAP clerk certificate of this office, %(office)s.")
            % {"office": decision.case.office.name}
        )
    if certificate.status != CertificateStatus.VALID:
        raise SignatureRefused(_("Your certificate is revoked or suspended."))
    return certificate


def decision_sign_personal(
    *, decision: Decision, actor, signed_xml: bytes, now: dt.datetime | None = None
) -> Decision:
    """Accept the decision signed with the official's own certificate (see the module)."""
    now = now or timezone.now()
    signed_xml = bytes(signed_xml)
    current = Decision.objects.select_related("case", "case__office").get(pk=decision.pk)
    status_expect(current, DecisionStatus.APPROVED)
    role_require(case=current.case, actor=actor, roles=("signer",), now=now)
    _check_content(current, actor, signed_xml)
    report = signatures.validate(signed_xml)  # may ask for revocation data: no transaction
    signed_xml = Letter._meta.get_field("xml").store(signed_xml)  # object storage: likewise
    with transaction.atomic():
        decision = decision_locked(decision)
        status_expect(decision, DecisionStatus.APPROVED)
        role_require(case=decision.case, actor=actor, roles=("signer",), now=now)
        _check_content(decision, actor, signed_xml)
        certificate = _certificate_of(report, decision=decision, actor=actor)
        decision.signer_certificate = certificate
        pending_clear(decision)
        return decision_issue(
            decision=decision,
            actor=actor,
            xml=signed_xml,
            letter_id=decision.to_sign_letter,
            kind=SignatureKind.PERSONAL,
            now=now,
            audit_extra={"certificate": certificate.serial_hex},
        )


__all__ = [
    "SignatureRefused",
    "SigningChoice",
    "browser_certificates",
    "clerk_certificates",
    "decision_browser_finish",
    "decision_browser_start",
    "decision_sign_personal",
    "decision_to_sign",
    "seal_allowed",
    "signing_choice",
]
