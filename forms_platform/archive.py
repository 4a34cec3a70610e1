"""Template archives: one ZIP with everything needed to move a template to another region.

Layout (all text UTF-8, JSON with sorted keys and two-space indent)::

    template.json                      slug, code, name, scope, format
    versions/0001/version.json         number, status, identifier, namespace, dates, hash
    versions/0001/definition.json      the field definition
    versions/0001/description.json     title, legal basis, who may file, required attachments
    versions/0001/schemat.xsd          the XSD exactly as published
    versions/0001/styl.xsl             the XSL exactly as published

The ZIP is deterministic: entries in that order, fixed timestamps (1980-01-01), fixed
permissions and compression, so exporting an imported archive gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

ARCHIVE_FORMAT = 1
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_ENTRY_BYTES = 10 * 1024 * 1024


def dumps(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def content_hash(
    *, definition: dict, description: dict, xsd: str, xsl: str, namespace: str, identifier: str
) -> str:
    """SHA-256 over a version's frozen content (what the archive and the database must agree on)."""
    digest = hashlib.sha256()
    for part in (
        dumps(definition),
        dumps(description),
        xsd.encode(),
        xsl.encode(),
        namespace.encode(),
        identifier.encode(),
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _entry(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    archive.writestr(info, data, compresslevel=9)


def build_archive(template: dict, versions: list[dict]) -> bytes:
    """``template``: slug/code/name/scope; each version: the keys of ``version.json`` plus
    definition, description, xsd, xsl."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _entry(archive, "template.json", dumps({"format": ARCHIVE_FORMAT, **template}))
        for version in sorted(versions, key=lambda v: v["number"]):
            base = f"versions/{version['number']:04d}/"
            meta = {
                k: v
                for k, v in version.items()
                if k not in ("definition", "description", "xsd", "xsl")
            }
            _entry(archive, base + "version.json", dumps(meta))
            _entry(archive, base + "definition.json", dumps(version["definition"]))
            _entry(archive, base + "description.json", dumps(version["description"]))
            _entry(archive, base + "schemat.xsd", version["xsd"].encode())
            _entry(archive, base + "styl.xsl", version["xsl"].encode())
    return buffer.getvalue()


class ArchiveFormatError(ValueError):
    pass


def read_archive(data: bytes) -> tuple[dict, list[dict]]:
    """(template, versions) from archive bytes; raise ArchiveFormatError when malformed."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveFormatError("the archive is too large")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ArchiveFormatError("not a ZIP file") from exc
    with archive:
        entries = {}
        for info in archive.infolist():
            if info.file_size > MAX_ENTRY_BYTES or info.is_dir():
                raise ArchiveFormatError(f"unexpected entry {info.filename}")
            if not re.fullmatch(
                r"template\.json|versions/\d{4}/(version|definition|description)\.json|versions/\d{4}/(schemat\.xsd|styl\.xsl)",
                info.filename,
            ):
                raise ArchiveFormatError(f"unexpected entry {info.filename}")
            entries[info.filename] = archive.read(info)
    try:
        template = json.loads(entries.pop("template.json"))
        numbers = sorted({name.split("/")[1] for name in entries})
        versions = []
        for number in numbers:
            base = f"versions/{number}/"
            version = json.loads(entries[base + "version.json"])
            version["definition"] = json.loads(entries[base + "definition.json"])
            version["description"] = json.loads(entries[base + "description.json"])
            version["xsd"] = entries[base + "schemat.xsd"].decode()
            version["xsl"] = entries[base + "styl.xsl"].decode()
            versions.append(version)
    except (KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ArchiveFormatError(f"incomplete or unreadable archive: {exc}") from exc
    if template.get("format") != ARCHIVE_FORMAT:
        raise ArchiveFormatError("unknown archive format")
    template.pop("format")
    return template, versions
