"""The ETSI TS 119 102-2 (v1.4.1) XML validation report, built from the typed report.

:func:`etsi_validation_report` turns a :class:`~signatures.report.ValidationReport` (XAdES or
PAdES, whoever produced it) into the standard's ``vr:ValidationReport``: one
``SignatureValidationReport`` per signature and the certificates, revocation data, time-stamps
and signed document as ``SignatureValidationObjects``, referenced by id. The schema is bundled
(``signatures/schemas``); :func:`schema_errors` checks a report against it.
"""

from __future__ import annotations

import base64
import hashlib
import re

from lxml import etree

from sekap.xmlsafe import parse_own
from signatures import schemas
from signatures.constants import DIGEST_URI, DS, XADES
from signatures.report import (
    CertificateInfo,
    Message,
    RevocationInfo,
    SignatureReport,
    SubIndication,
    TimestampInfo,
    ValidationReport,
)

VR = "http://uri.etsi.org/19102/v1.4.1#"
_NSMAP = {None: VR, "ds": DS, "XAdES": XADES}

MAIN_INDICATION = "urn:etsi:019102:mainindication:"
SUB_INDICATION = "urn:etsi:019102:subindication:"
_MAIN = {
    "TOTAL_PASSED": "total-passed",
    "TOTAL_FAILED": "total-failed",
    "INDETERMINATE": "indeterminate",
    "PASSED": "passed",
    "FAILED": "failed",
}
_PROCESS = {"B-LTA": "LTA", "B-LT": "LTVM", "B-T": "LTVM"}
_OBJECT_TYPE = "urn:etsi:019102:validationObject:"
_POE_VALIDATION = "urn:etsi:019102:poetype:validation"
_POE_PROVIDED = "urn:etsi:019102:poetype:provided"
_TIMESTAMP_ATTRIBUTE = {
    "SIGNATURE_TIMESTAMP": "SignatureTimeStamp",
    "ARCHIVE_TIMESTAMP": "ArchiveTimeStamp",
    "DOCUMENT_TIMESTAMP": "DocTimeStamp",
}
SEKAP_POLICY = "urn:sekap:validation-policy:"
QUALIFICATION = "urn:cef:dss:signatureQualification:"  # as EU DSS names them
SEKAP_MESSAGE = "urn:sekap:validation-message:"


# Characters XML 1.0 cannot carry (a hostile certificate's name may hold them).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NAME = re.compile(r"[^A-Za-z0-9._-]")


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str):
    ns = DS if name.startswith("ds:") else (XADES if name.startswith("XAdES:") else VR)
    clean = {key: _NOT_XML.sub("\ufffd", value) for key, value in attrs.items()}
    element = etree.SubElement(parent, f"{{{ns}}}{name.split(':')[-1]}", clean)
    if text is not None:
        element.text = _NOT_XML.sub("\ufffd", text)
    return element


def _digest(parent: etree._Element, name: str, hex_sha256: str) -> None:
    holder = _el(parent, name)
    _el(holder, "ds:DigestMethod", Algorithm=DIGEST_URI["sha256"])
    _el(holder, "ds:DigestValue", base64.b64encode(bytes.fromhex(hex_sha256)).decode())


def _ref(parent: etree._Element, name: str, vo_id: str) -> None:
    _el(parent, name, VOReference=vo_id)


class _Objects:
    """The SignatureValidationObjects, deduplicated by id, in first-use order."""

    def __init__(self) -> None:
        self.items: dict[str, etree._Element] = {}

    def _add(self, vo_id: str, kind: str) -> tuple[etree._Element, bool]:
        if vo_id in self.items:
            return self.items[vo_id], False
        element = etree.Element(f"{{{VR}}}ValidationObject", id=vo_id)
        _el(element, "ObjectType", _OBJECT_TYPE + kind)
        self.items[vo_id] = element
        return element, True

    def certificate(self, info: CertificateInfo) -> str:
        vo_id = "C-" + info.sha256.upper()
        element, new = self._add(vo_id, "certificate")
        if new:
            _digest(
                _el(element, "ValidationObjectRepresentation"), "DigestAlgAndValue", info.sha256
            )
        return vo_id

    def revocation(self, info: RevocationInfo) -> str:
        key = "|".join(
            (
                info.certificate_sha256,
                info.source,
                info.origin,
                info.this_update or "",
                info.url or "",
            )
        )
        vo_id = "R-" + hashlib.sha256(key.encode()).hexdigest().upper()
        element, new = self._add(vo_id, "OCSPResponse" if info.source == "OCSP" else "CRL")
        if new:
            representation = _el(element, "ValidationObjectRepresentation")
            if info.url:
                _el(representation, "URI", info.url)
            else:
                _el(representation, "direct", f"{info.origin} {info.source}")
            if info.this_update:
                poe = _el(element, "POE")
                _el(poe, "POETime", info.this_update)
                _el(poe, "TypeOfProof", _POE_PROVIDED)
        return vo_id

    def timestamp(self, info: TimestampInfo, sig_index: int, ts_index: int) -> str:
        key = f"{sig_index}|{ts_index}|{info.tsa}|{info.serial_number}|{info.generation_time}"
        vo_id = "T-" + hashlib.sha256(key.encode()).hexdigest().upper()
        element, new = self._add(vo_id, "timestamp")
        if new:
            representation = _el(element, "ValidationObjectRepresentation")
            _el(representation, "direct", f"{info.type} {info.serial_number or ''}".strip())
            if info.generation_time:
                poe = _el(element, "POE")
                _el(poe, "POETime", info.generation_time)
                _el(poe, "TypeOfProof", _POE_VALIDATION)
            report = _el(element, "ValidationReport")
            _status(report, info.indication, info.sub_indication, info.errors)
        return vo_id

    def document(self, hex_sha256: str) -> str:
        vo_id = "D-" + hex_sha256.upper()
        element, new = self._add(vo_id, "signedData")
        if new:
            _digest(_el(element, "ValidationObjectRepresentation"), "DigestAlgAndValue", hex_sha256)
        return vo_id


def _messages(parent: etree._Element, errors: list[Message], warnings: list[Message]) -> None:
    if not errors and not warnings:
        return
    data = _el(parent, "AdditionalValidationReportData")
    for kind, messages in (("error", errors), ("warning", warnings)):
        for message in messages:
            item = _el(data, "ReportData")
            _el(item, "Type", f"{SEKAP_MESSAGE}{kind}:{message.code}")
            _el(item, "Value", message.message)


def _status(
    parent: etree._Element,
    indication: str,
    sub_indication: str | None,
    errors: list[Message],
    warnings: list[Message] | None = None,
    chain: list[tuple[str, str]] | None = None,
    revoked: tuple[str, str] | None = None,
) -> None:
    status = _el(parent, "SignatureValidationStatus")
    _el(status, "MainIndication", MAIN_INDICATION + _MAIN[indication])
    if sub_indication:
        _el(status, "SubIndication", SUB_INDICATION + sub_indication)
    if chain or revoked or errors or warnings:
        data = _el(status, "AssociatedValidationReportData")
        if chain:
            anchor = next((vo_id for role, vo_id in chain if role == "TRUST_ANCHOR"), None)
            if anchor:
                _ref(data, "TrustAnchor", anchor)
            certificate_chain = _el(data, "CertificateChain")
            _ref(certificate_chain, "SigningCertificate", chain[0][1])
            for role, vo_id in chain[1:]:
                if role == "CA":
                    _ref(certificate_chain, "IntermediateCertificate", vo_id)
            if anchor:
                _ref(certificate_chain, "TrustAnchor", anchor)
        if revoked:
            info = _el(data, "RevocationStatusInformation")
            _ref(info, "ValidationObjectId", revoked[0])
            _el(info, "RevocationTime", revoked[1])
        _messages(data, errors, warnings or [])


def _signature(
    parent: etree._Element,
    sr: SignatureReport,
    index: int,
    report: ValidationReport,
    objects: _Objects,
) -> None:
    svr = _el(parent, "SignatureValidationReport")
    own_id = _NOT_NAME.sub("_", sr.id or "signature")
    identifier = _el(svr, "SignatureIdentifier", id=f"S-{index}-{own_id}"[:200])
    _el(identifier, "HashOnly", "false")
    _el(identifier, "DocHashOnly", "false")
    if sr.id:
        _el(identifier, "DAIdentifier", sr.id)
    policy = _el(_el(svr, "ValidationConstraintsEvaluationReport"), "SignatureValidationPolicy")
    _el(_el(policy, "SignaturePolicyIdentifier"), "XAdES:SignaturePolicyImplied")
    _el(policy, "PolicyName", report.policy)
    _el(policy, "FormalPolicyURI", SEKAP_POLICY + report.policy)

    timestamps = [(info, objects.timestamp(info, index, n)) for n, info in enumerate(sr.timestamps)]
    best = sr.best_signature_time or report.validation_time
    time_info = _el(svr, "ValidationTimeInfo")
    _el(time_info, "ValidationTime", report.validation_time)
    poe = _el(time_info, "BestSignatureTime")
    _el(poe, "POETime", best)
    _el(poe, "TypeOfProof", _POE_VALIDATION)
    proof = next((vo for info, vo in timestamps if info.generation_time == best), None)
    if proof:
        _ref(poe, "POEObject", proof)
    if report.document_sha256:
        signers_document = _el(svr, "SignersDocument")
        _digest(signers_document, "DigestAlgAndValue", report.document_sha256)
        _ref(signers_document, "SignersDocumentRef", objects.document(report.document_sha256))

    chain = [(c.role, objects.certificate(c)) for c in sr.certificates]
    signing = next((vo_id for role, vo_id in chain if role == "SIGNING"), None)
    attributes = etree.Element(f"{{{VR}}}SignatureAttributes")
    if sr.claimed_signing_time:
        _el(_el(attributes, "SigningTime", Signed="true"), "Time", sr.claimed_signing_time)
    if signing is not None:
        _ref(_el(attributes, "SigningCertificate", Signed="true"), "AttributeObject", signing)
    for info, vo_id in timestamps:
        name = _TIMESTAMP_ATTRIBUTE.get(info.type)
        if name and info.generation_time:
            attribute = _el(attributes, name, Signed="false")
            _ref(attribute, "AttributeObject", vo_id)
            _el(attribute, "TimeStampValue", info.generation_time)
    if len(attributes):
        svr.append(attributes)
    if signing is not None:
        signer = _el(svr, "SignerInformation", Pseudonym="false")
        _ref(signer, "SignerCertificate", signing)
        if sr.signed_by is not None:
            _el(signer, "Signer", sr.signed_by.common_name or sr.signed_by.subject)
    if sr.qualification:
        quality = _el(svr, "SignatureQuality")
        _el(quality, "SignatureQualityInformation", QUALIFICATION + sr.qualification)
    process = _el(svr, "SignatureValidationProcess")
    level = (sr.signature_level or "").rsplit("-", 2)[-2:]
    _el(
        process,
        "SignatureValidationProcessID",
        "urn:etsi:019102:validationprocess:" + _PROCESS.get("-".join(level), "Basic"),
    )
    revoked = next((r for r in sr.revocation if r.status == "REVOKED" and r.revocation_time), None)
    for revocation in sr.revocation:
        objects.revocation(revocation)
    _status(
        svr,
        sr.indication,
        sr.sub_indication,
        sr.errors,
        sr.warnings,
        chain=[(role, vo_id) for role, vo_id in chain if role != "TIMESTAMP"] if signing else None,
        revoked=(
            ("C-" + revoked.certificate_sha256.upper(), revoked.revocation_time)
            if revoked and any(c.sha256 == revoked.certificate_sha256 for c in sr.certificates)
            else None
        ),
    )


def etsi_validation_report(*, report: ValidationReport) -> bytes:
    """The TS 119 102-2 report of ``report`` as UTF-8 XML (valid against the bundled schema).

    A document without any signature still yields one ``SignatureValidationReport`` (the
    schema requires one) carrying the document-level result and findings."""
    root = etree.Element(f"{{{VR}}}ValidationReport", nsmap=_NSMAP)
    objects = _Objects()
    for index, sr in enumerate(report.signatures, start=1):
        _signature(root, sr, index, report, objects)
    if not report.signatures:
        svr = _el(root, "SignatureValidationReport")
        sub = report.sub_indication
        if sub == SubIndication.NO_SIGNATURE_FOUND:
            sub = SubIndication.FORMAT_FAILURE  # not an ETSI sub-indication; the finding says it
        findings = list(report.errors) or [Message("document.no_signature", "No signature found.")]
        _status(svr, report.indication, sub, findings, report.warnings)
    elif report.errors or report.warnings:
        _messages(_el(root[-1], "OtherInformation"), report.errors, report.warnings)
    if objects.items:
        holder = _el(root, "SignatureValidationObjects")
        holder.extend(objects.items.values())
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def schema_errors(xml: bytes) -> list[str]:
    """The schema's complaints about ``xml`` (empty: valid)."""
    schema = schemas.load(schemas.VALIDATION_REPORT)
    if schema.validate(parse_own(xml).getroottree()):
        return []
    return [f"{e.line}: {e.message}" for e in schema.error_log]


__all__ = ["etsi_validation_report", "schema_errors"]
