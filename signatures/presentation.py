"""A validation report in plain words for people (the verify page and its PDF).

For each signature: who signed (the person from the certificate or the SEKAP personal
signature, and the organisation), when (the time-stamp's time when there is one; the time the
signer's computer gave otherwise, said to be unconfirmed), what kind of certificate, what was
signed, and a verdict (valid / not valid / cannot be determined) with the reason in words. The
ETSI codes and raw certificate names stay in the report for the "technical details".
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sekap.datetimes import as_moment
from signatures.models import TrustedCertificate
from signatures.report import (
    Indication,
    SignatureReport,
    SignerInfo,
    SubIndication,
    ValidationReport,
)


class Verdict(enum.StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNDETERMINED = "undetermined"


VERDICT_LABELS = {
    Verdict.VALID: gettext_lazy("valid"),
    Verdict.INVALID: gettext_lazy("not valid"),
    Verdict.UNDETERMINED: gettext_lazy("cannot be determined"),
}

REASONS = {
    SubIndication.FORMAT_FAILURE: gettext_lazy(
        "The signature is damaged or built in a way we do not accept, so it cannot be checked."
    ),
    SubIndication.HASH_FAILURE: gettext_lazy(
        "The document was changed after it was signed: its content no longer matches the signature."
    ),
    SubIndication.SIG_CRYPTO_FAILURE: gettext_lazy(
        "The signature does not match the signer's certificate: it was not made with this "
        "certificate's key, or it was altered."
    ),
    SubIndication.REVOKED: gettext_lazy(
        "The signer's certificate had been revoked before the document was signed."
    ),
    SubIndication.EXPIRED: gettext_lazy(
        "The document was signed after the signer's certificate had expired."
    ),
    SubIndication.NOT_YET_VALID: gettext_lazy(
        "The document was signed before the signer's certificate became valid."
    ),
    SubIndication.SIG_CONSTRAINTS_FAILURE: gettext_lazy(
        "The signature lacks information the rules for signatures require."
    ),
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: gettext_lazy(
        "The signer's certificate may not be used to sign documents."
    ),
    SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE: gettext_lazy(
        "The signer's certificate could not be checked."
    ),
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: gettext_lazy(
        "The signature uses algorithms or keys that are too weak to be relied on."
    ),
    SubIndication.POLICY_PROCESSING_ERROR: gettext_lazy("The signature could not be processed."),
    SubIndication.TIMESTAMP_ORDER_FAILURE: gettext_lazy(
        "The signature's time-stamps contradict each other."
    ),
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: gettext_lazy(
        "The signer's certificate is missing from the signature, so the signer is unknown."
    ),
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: gettext_lazy(
        "The signer's certificate was not issued by a certification authority we trust "
        "(neither SEKAP nor a qualified provider on the EU trusted lists)."
    ),
    SubIndication.REVOKED_NO_POE: gettext_lazy(
        "The signer's certificate has been revoked, and nothing proves that the document was "
        "signed before that (there is no time-stamp)."
    ),
    SubIndication.REVOKED_CA_NO_POE: gettext_lazy(
        "The authority that issued the signer's certificate has been revoked."
    ),
    SubIndication.OUT_OF_BOUNDS_NO_POE: gettext_lazy(
        "The signer's certificate has expired, and nothing proves that the document was signed "
        "while it was valid (there is no time-stamp)."
    ),
    SubIndication.OUT_OF_BOUNDS_NOT_REVOKED: gettext_lazy(
        "The signer's certificate has expired; it was not revoked, but nothing proves that the "
        "document was signed while it was valid."
    ),
    SubIndication.NO_POE: gettext_lazy("Nothing proves when the document was signed."),
    SubIndication.TRY_LATER: gettext_lazy(
        "Whether the signer's certificate has been revoked cannot be checked now. Try again later."
    ),
    SubIndication.SIGNED_DATA_NOT_FOUND: gettext_lazy(
        "The signature covers a separate file that was not uploaded with the document."
    ),
    SubIndication.NO_SIGNATURE_FOUND: gettext_lazy("The document holds no signature."),
}
PASSED_REASON = gettext_lazy(
    "The signature matches the document, and the signer's certificate was valid and not "
    "revoked when the document was signed."
)
NOT_XML = gettext_lazy(
    "The file is not an XML document we can read, or it uses constructs we refuse for safety."
)


@dataclass(frozen=True)
class SignatureSummary:
    number: int
    verdict: Verdict
    reason: str
    signer: str
    organisation: str
    pesel: str
    certificate_kind: str
    timestamped_at: dt.datetime | None  # proof of existence: a valid time-stamp
    claimed_at: dt.datetime | None  # what the signer's computer said
    signed_parts: list[str]
    whole_document: bool
    technical: SignatureReport

    @property
    def verdict_label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])


@dataclass(frozen=True)
class ReportSummary:
    verdict: Verdict
    reason: str
    valid_count: int
    total_count: int
    checked_at: dt.datetime | None
    document_sha256: str
    signatures: list[SignatureSummary] = field(default_factory=list)
    technical: ValidationReport | None = None

    @property
    def verdict_label(self) -> str:
        return str(VERDICT_LABELS[self.verdict])


def verdict_of(indication: str) -> Verdict:
    if indication in (Indication.TOTAL_PASSED, Indication.PASSED):
        return Verdict.VALID
    if indication in (Indication.TOTAL_FAILED, Indication.FAILED):
        return Verdict.INVALID
    return Verdict.UNDETERMINED


def reason_for(indication: str, sub_indication: str | None) -> str:
    """Why a signature has this result, in words."""
    if indication == Indication.TOTAL_PASSED:
        return str(PASSED_REASON)
    reason = REASONS.get(sub_indication or "")
    return str(reason) if reason else _("The signature could not be confirmed.")


def _reason(signature: SignatureReport) -> str:
    return reason_for(signature.indication, signature.sub_indication)


def _person(info: SignerInfo | None) -> str:
    if info is None:
        return ""
    if info.given_name and info.surname:
        return f"{info.given_name} {info.surname}"
    return info.common_name or info.organization or ""


def _fingerprint(signature: SignatureReport, role: str) -> str:
    return next((c.sha256 for c in signature.certificates if c.role == role), "")


@dataclass(frozen=True)
class TrustContext:
    """Which anchors and seals are SEKAP's own and which anchors are qualified providers."""

    platform_seals: frozenset[str]
    sekap_anchors: frozenset[str]
    qualified_anchors: frozenset[str]

    @classmethod
    def current(cls) -> TrustContext:
        from signatures import services

        return cls(
            platform_seals=services.trusted_profile_seals(),
            sekap_anchors=services.own_anchor_fingerprints(),
            qualified_anchors=frozenset(
                TrustedCertificate.objects.filter(
                    active=True, service_type__endswith="/CA/QC"
                ).values_list("sha256", flat=True)
            ),
        )


def certificate_kind(signature: SignatureReport, trust: TrustContext) -> str:
    info = signature.signed_by
    anchor = _fingerprint(signature, "TRUST_ANCHOR")
    if signature.trusted_profile is not None:
        return _("SEKAP personal signature (the SEKAP seal confirming the person's identity)")
    if _fingerprint(signature, "SIGNING") in trust.platform_seals:
        return _("seal of the SEKAP personal signature")
    if info is not None and info.qualified and anchor in trust.qualified_anchors:
        if info.qc_type == "eseal":
            return _("qualified electronic seal")
        return _("qualified electronic signature")
    if anchor and anchor in trust.sekap_anchors:
        if info is not None and (info.given_name or info.surname or info.pesel):
            return _("SEKAP certificate of a person")
        return _("office seal (SEKAP certificate)")
    if anchor:
        return _("certificate of another trusted issuer")
    if signature.sub_indication == SubIndication.NO_CERTIFICATE_CHAIN_FOUND:
        return _("certificate of an issuer we do not trust")
    return _("not checked, because the signature itself is not valid")


def _local_name(element: str | None) -> str:
    return (element or "").rpartition("}")[2]


def signed_parts(signature: SignatureReport) -> tuple[list[str], bool]:
    """What the signature covers, in words, and whether that is the whole document."""
    parts, whole = [], False
    for scope in signature.scope:
        if scope.kind == "FULL_DOCUMENT":
            whole = True
            parts.append(_("the whole document"))
        elif scope.kind == "ELEMENT":
            parts.append(
                _("part of the document: the element %(name)s")
                % {"name": _local_name(scope.element)}
            )
        elif scope.kind == "PDF_REVISION":
            parts.append(_("the document as it was when signed (a PDF revision)"))
        elif scope.kind == "DETACHED":
            parts.append(_("a separate file: %(name)s") % {"name": scope.uri})
        elif scope.kind == "OBJECT":
            parts.append(_("data kept inside the signature"))
    return parts, whole


def _timestamped_at(signature: SignatureReport) -> dt.datetime | None:
    times = [
        as_moment(t.generation_time)
        for t in signature.timestamps
        if t.indication == Indication.PASSED and t.generation_time
    ]
    return min(times) if times else None


def summarize_signature(
    number: int, signature: SignatureReport, trust: TrustContext
) -> SignatureSummary:
    parts, whole = signed_parts(signature)
    identity = signature.trusted_profile
    info = signature.signed_by
    if identity is not None:
        signer = f"{identity.given_name} {identity.surname}"
        pesel = identity.pesel
        organisation = ""
    else:
        signer = _person(info)
        pesel = (info.pesel or "") if info else ""
        organisation = (info.organization or "") if info else ""
        if organisation == signer:
            organisation = ""
    return SignatureSummary(
        number=number,
        verdict=verdict_of(signature.indication),
        reason=_reason(signature),
        signer=signer or _("unknown"),
        organisation=organisation,
        pesel=pesel,
        certificate_kind=certificate_kind(signature, trust),
        timestamped_at=_timestamped_at(signature),
        claimed_at=as_moment(signature.claimed_signing_time),
        signed_parts=parts,
        whole_document=whole,
        technical=signature,
    )


def summarize(report: ValidationReport, *, trust: TrustContext | None = None) -> ReportSummary:
    """The plain-language view of ``report``."""
    trust = trust or TrustContext.current()
    signatures = [
        summarize_signature(number, signature, trust)
        for number, signature in enumerate(report.signatures, start=1)
    ]
    if not signatures:
        if report.sub_indication == SubIndication.NO_SIGNATURE_FOUND and not report.errors:
            reason = str(REASONS[SubIndication.NO_SIGNATURE_FOUND])
        else:
            reason = str(NOT_XML)
    elif report.indication == Indication.TOTAL_PASSED:
        reason = _("Every signature in the document is valid.")
    else:
        worst = next(s for s in signatures if s.verdict == verdict_of(report.indication))
        reason = worst.reason
        if len(signatures) > 1:
            reason = _("Signature %(number)s: %(reason)s") % {
                "number": worst.number,
                "reason": worst.reason,
            }
    return ReportSummary(
        verdict=verdict_of(report.indication),
        reason=reason,
        valid_count=report.valid_signatures_count,
        total_count=report.signatures_count,
        checked_at=as_moment(report.validation_time),
        document_sha256=report.document_sha256,
        signatures=signatures,
        technical=report,
    )
