"""A submitted document as a clerk reads it: through its form version's XSL (rendered on the
server), and its attached files one by one, instead of the raw XML with base64 inside."""

from __future__ import annotations

from dataclasses import dataclass

from forms_platform.errors import DocumentInvalid
from forms_platform.selectors import read_document, render_html

from ..models import Submission


@dataclass(frozen=True)
class AttachedFile:
    number: int  # 1-based, in document order
    name: str
    content_type: str
    size: int
    content: bytes


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
    return [
        AttachedFile(n, f.name, f.content_type, len(f.content), f.content)
        for n, f in enumerate(_files(data), start=1)
    ]
