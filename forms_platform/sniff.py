"""Content sniffing for attachments: what a file is comes from its bytes, never its name."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileKind:
    key: str
    mime: str
    label: object  # lazy translated description, e.g. "a PDF document"
    extensions: tuple[str, ...]


KINDS: dict[str, FileKind] = {
    k.key: k
    for k in (
        FileKind("pdf", "application/pdf", _("a PDF document"), ("pdf",)),
        FileKind("png", "image/png", _("a PNG image"), ("png",)),
        FileKind("jpeg", "image/jpeg", _("a JPEG image"), ("jpg", "jpeg", "jpe")),
        FileKind("gif", "image/gif", _("a GIF image"), ("gif",)),
        FileKind("tiff", "image/tiff", _("a TIFF image"), ("tif", "tiff")),
        FileKind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _("a Word (DOCX) document"),
            ("docx",),
        ),
        FileKind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _("an Excel (XLSX) spreadsheet"),
            ("xlsx",),
        ),
        FileKind(
            "odt", "application/vnd.oasis.opendocument.text", _("an ODF text document"), ("odt",)
        ),
        FileKind(
            "ods",
            "application/vnd.oasis.opendocument.spreadsheet",
            _("an ODF spreadsheet"),
            ("ods",),
        ),
        FileKind("zip", "application/zip", _("a ZIP archive"), ("zip",)),
        FileKind("xml", "application/xml", _("an XML document"), ("xml", "xades", "gml")),
        FileKind("txt", "text/plain", _("a plain text file"), ("txt", "csv")),
        FileKind("exe", "application/x-msdownload", _("a Windows program"), ("exe", "dll", "com")),
        FileKind("elf", "application/x-executable", _("a Linux program"), ()),
        FileKind("unknown", "application/octet-stream", _("a file of unknown type"), ()),
    )
}

EXTENSION_KIND = {ext: kind.key for kind in KINDS.values() for ext in kind.extensions}


def _zip_kind(content: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                for key in ("odt", "ods"):
                    if mimetype == KINDS[key].mime:
                        return key
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return "docx"
                if any(n.startswith("xl/") for n in names):
                    return "xlsx"
    except (zipfile.BadZipFile, OSError, ValueError):
        return "unknown"
    return "zip"


def sniff(content: bytes) -> FileKind:
    """Tell the kind of file from its first bytes (and, for ZIP containers, its entries)."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        kind = "pdf"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith((b"GIF87a", b"GIF89a")):
        kind = "gif"
    elif head.startswith((b"II*\x00", b"MM\x00*")):
        kind = "tiff"
    elif head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(content)
    elif head.startswith(b"MZ"):
        kind = "exe"
    elif head.startswith(b"\x7fELF"):
        kind = "elf"
    else:
        kind = _text_kind(content)
    return KINDS[kind]


def _text_kind(content: bytes) -> str:
    sample = content[:4096]
    if b"\x00" in sample:
        return "unknown"
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # a multi-byte character cut at the sample's end is fine
            return "unknown"
        text = sample[: exc.start].decode("utf-8")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml") or (stripped.startswith("<") and not stripped.startswith("<!")):
        return "xml"
    return "txt"


def extension_kind(filename: str) -> str | None:
    """The kind a file name claims, or None when its extension says nothing we know."""
    if "." not in filename:
        return None
    return EXTENSION_KIND.get(filename.rsplit(".", 1)[1].lower())
