"""Step 1 of the intake, for the attached files: each attachment that carries a signature of its
own (PAdES in a PDF, XAdES in an XML file, a detached ``.xades`` beside the file it signs, an
ASiC-E container) is validated with the platform's validator, like the form's signature, and
its result and report are kept per attachment on the submission. Runs outside any transaction
(validation may fetch revocation data)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import asdict, dataclass

from forms_platform.xmldoc import STR
from sekap.xmlsafe import ParseLimits, parse_untrusted
from signatures import services as signatures

UNSIGNED = "UNSIGNED"
_DSIG = b"http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class AttachmentCheck:
    """One attached file's own signature, as stored in ``Submission.attachment_signatures``."""

    number: int  # 1-based, in document order
    name: str
    sha256: str
    indication: str  # the ETSI indication, or UNSIGNED
    sub_indication: str
    signature_format: str = ""  # PAdES | XAdES | ASiC-E
    signed_by: str = ""  # the first signature's signer, in words
    signature_file: str = ""  # the attachment holding the detached signature over this file
    report: dict | None = None  # the validation report (signatures/REPORT_SCHEMA.md)

    @property
    def signed(self) -> bool:
        return self.indication != UNSIGNED

    def as_json(self) -> dict:
        return asdict(self)


def attached_files(document: bytes, *, max_bytes: int) -> list[tuple[str, bytes]]:
    """The files carried in the document (``str:Zalacznik``, base64), in document order."""
    if b"Zalacznik" not in document:
        return []  # most documents carry none: no second parse
    root = parse_untrusted(document, limits=ParseLimits(max_bytes=max_bytes)).root
    files = []
    for number, element in enumerate(root.iter(f"{STR}Zalacznik"), start=1):
        try:
            content = base64.b64decode(element.findtext(f"{STR}DaneZalacznika") or "")
        except (binascii.Error, ValueError):
            content = b""
        files.append((element.get("nazwaPliku") or str(number), content))
    return files


def _may_hold_xades(content: bytes) -> bool:
    return content.lstrip()[:1] == b"<" and _DSIG in content


def _signer(report: signatures.ValidationReport) -> str:
    if not report.signatures:
        return ""
    first = report.signatures[0]
    if first.trusted_profile is not None:
        return f"{first.trusted_profile.given_name} {first.trusted_profile.surname}"
    info = first.signed_by
    if info is None:
        return ""
    if info.given_name and info.surname:
        return f"{info.given_name} {info.surname}"
    return info.common_name or info.organization or ""


def _checked(number: int, name: str, content: bytes, report) -> AttachmentCheck:
    return AttachmentCheck(
        number=number,
        name=name,
        sha256=hashlib.sha256(content).hexdigest(),
        indication=str(report.indication),
        sub_indication=str(report.sub_indication or ""),
        signature_format="ASiC-E"
        if signatures.is_asic(content)
        else str(report.signatures[0].signature_format or ""),
        signed_by=_signer(report),
        report=report.to_dict(),
    )


def attachments_check(*, document: bytes, max_bytes: int) -> list[AttachmentCheck]:
    """Validate the signature each attachment carries; the rest are UNSIGNED, except a file
    a detached signature among the attachments references (its result is that signature's)."""
    files = attached_files(document, max_bytes=max_bytes)
    names = [name for name, _ in files]
    checks: dict[int, AttachmentCheck] = {}
    covered: dict[str, AttachmentCheck] = {}
    for number, (name, content) in enumerate(files, start=1):
        if signatures.is_pdf(content) or signatures.is_asic(content):
            report = signatures.validate(content)
        elif _may_hold_xades(content):
            others = {n: c for n, c in files if n != name}
            targets = signatures.detached_files(content, names=list(others))
            report = signatures.validate(
                content, detached_documents={n: others[n] for n in targets} or None
            )
            if report.signatures:
                for target in targets:
                    covered.setdefault(target, _checked(number, name, content, report))
        else:
            continue
        if report.signatures:
            checks[number] = _checked(number, name, content, report)
    out = []
    for number, (name, content) in enumerate(files, start=1):
        check = checks.get(number)
        if check is None and name in covered and names.count(name) == 1:
            signature = covered[name]
            check = AttachmentCheck(
                number=number,
                name=name,
                sha256=hashlib.sha256(content).hexdigest(),
                indication=signature.indication,
                sub_indication=signature.sub_indication,
                signature_format=signature.signature_format,
                signed_by=signature.signed_by,
                signature_file=signature.name,
            )
        out.append(
            check
            or AttachmentCheck(
                number=number,
                name=name,
                sha256=hashlib.sha256(content).hexdigest(),
                indication=UNSIGNED,
                sub_indication="",
            )
        )
    return out


def attachments_attention(
    checks: list[AttachmentCheck], *, unsigned_allowed: bool
) -> dict[str, str] | None:
    """Why a clerk must look at the attachments (documents.texts values), or None."""
    for check in checks:
        if check.signed and check.indication != "TOTAL_PASSED":
            return {
                "reason": "attachment_unconfirmed",
                "name": check.name,
                "indication": check.indication,
                "sub": check.sub_indication,
            }
    if not unsigned_allowed:
        for check in checks:
            if not check.signed:
                return {"reason": "attachment_unsigned", "name": check.name}
    return None


def stored_checks(stored: list[dict] | None) -> list[AttachmentCheck]:
    return [AttachmentCheck(**item) for item in stored or []]
