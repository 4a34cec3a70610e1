"""A submitted document as a clerk reads it: through its form version's XSL (rendered on the
server), and its attached files one by one, instead of the raw XML with base64 inside."""

from __future__ import annotations

from dataclasses import dataclass

from forms_platform.errors import DocumentInvalid
from forms_platform.selectors import read_document, render_html
from signatures.presentation import reason_for

from ..models import Submission
from ..services.attachment_signatures import AttachmentCheck, stored_checks


@dataclass(frozen=True)
class AttachmentSignature:
    """An attached file's own signature, for the clerk."""

    indication: str  # ETSI indication (the verdict filter says it in words)
    reason: str
    signed_by: str
    signature_format: str
    signature_file: str  # the detached signature's file, when another attachment signs this one

    @classmethod
    def of(cls, check: AttachmentCheck) -> AttachmentSignature | None:
        if not check.signed:
            return None
        return cls(
            indication=check.indication,
            reason=reason_for(check.indication, check.sub_indication),
            signed_by=check.signed_by,
            signature_format=check.signature_format,
            signature_file=check.signature_file,
        )


@dataclass(frozen=True)
class AttachedFile:
    number: int  # 1-based, in document order
    name: str
    content_type: str
    size: int
    content: bytes
    signature: AttachmentSignature | None = None
    checked: bool = False  # the intake looked for the file's own signature


def submission_html(*, submission: Submission) -> str:
    """The document rendered by its own form version's XSL (an HTML fragment); "" when the
    document cannot be read with it (the XML download stays available)."""
    try:
        return render_html(
            bytes(submission.document), fragment=True, version=submission.form_version
        )
    except (DocumentInvalid, ValueError):
        return ""


def _files(value) -> list:
    if isinstance(value, dict):
        return [f for item in value.values() for f in _files(item)]
    if isinstance(value, list | tuple):
        return [f for item in value for f in _files(item)]
    if all(hasattr(value, a) for a in ("name", "content_type", "content")):
        return [value]
    return []


def submission_files(*, submission: Submission) -> list[AttachedFile]:
    try:
        data = read_document(bytes(submission.document), version=submission.form_version).data
    except (DocumentInvalid, ValueError):
        return []
    checks = {(c.number, c.name): c for c in stored_checks(submission.attachment_signatures)}
    files = []
    for number, f in enumerate(_files(data), start=1):
        check = checks.get((number, f.name))
        files.append(
            AttachedFile(
                number,
                f.name,
                f.content_type,
                len(f.content),
                f.content,
                signature=AttachmentSignature.of(check) if check else None,
                checked=check is not None,
            )
        )
    return files
