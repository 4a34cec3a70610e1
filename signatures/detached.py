"""Detached XAdES (a file and its ``.xades``) and the ASiC-E container (ETSI EN 319 162-1).

A detached signature names each signed file by a relative URI, usually its bare file name, and
holds the file's digest. Polish signing tools write the name as typed, percent-encoded or with a
``./`` prefix; a file is matched to a reference when the decoded base names are equal, never by
content and never through a path outside the supplied files. The XAdES validation itself is
``validator.validate_document`` with those files as the detached documents (so a digest that does
not match is HASH_FAILURE; a reference with no such file is SIGNED_DATA_NOT_FOUND).

ASiC-E: a ZIP whose first entry ``mimetype`` says ``application/vnd.etsi.asic-e+zip``, the signed
files at any path outside ``META-INF/``, and one or more ``META-INF/*signatures*.xml`` holding
XAdES signatures that reference them by their path in the container.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import zipfile
from datetime import UTC, datetime
from urllib.parse import unquote

from sekap.xmlsafe import XmlRejected, parse_untrusted
from signatures import pkix
from signatures.constants import DS
from signatures.report import Indication, Message, SubIndication, ValidationReport, iso, overall
from signatures.validator import ValidationPolicy, validate_document

ASIC_E_MIMETYPE = b"application/vnd.etsi.asic-e+zip"
MAX_MEMBERS = 200


def file_key(name: str) -> str:
    """How a reference URI or an uploaded file's name is compared: decoded base name."""
    return posixpath.basename(unquote(name).replace("\\", "/")).strip()


def reference_uris(signature: bytes, *, policy: ValidationPolicy) -> list[str]:
    """The detached (not same-document) reference URIs of every signature, in order."""
    try:
        doc = parse_untrusted(signature, limits=policy.limits)
    except XmlRejected:
        return []
    uris = []
    for ref in doc.root.iter(f"{{{DS}}}Reference"):
        uri = ref.get("URI")
        if uri and not uri.startswith("#") and ":" not in uri.split("/")[0]:
            uris.append(uri)
    return uris


def match_files(
    signature: bytes, files: dict[str, bytes], *, policy: ValidationPolicy
) -> dict[str, bytes]:
    """The detached documents keyed as the signature references them."""
    by_key: dict[str, bytes] = {}
    for name, content in files.items():
        by_key.setdefault(file_key(name), content)
    matched = {}
    for uri in reference_uris(signature, policy=policy):
        content = files.get(uri)
        if content is None:
            content = by_key.get(file_key(uri))
        if content is not None:
            matched[uri] = content
    return matched


def validate_detached(
    signature: bytes,
    *,
    files: dict[str, bytes],
    policy: ValidationPolicy,
    env: pkix.PkixEnvironment,
) -> ValidationReport:
    """Validate a detached XAdES signature over the supplied files (name -> bytes)."""
    return validate_document(
        signature,
        policy=policy,
        env=env,
        detached_documents=match_files(signature, files, policy=policy),
    )


def is_asic(data: bytes) -> bool:
    """A ZIP whose first entry is the ASiC-E ``mimetype`` (EN 319 162-1 §A.1: stored first,
    uncompressed, so its bytes sit at a fixed offset)."""
    return (
        isinstance(data, bytes | bytearray)
        and data[:4] == b"PK\x03\x04"
        and data[30:38] == b"mimetype"
    )


class AsicRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_asic(data: bytes, *, max_bytes: int) -> tuple[list[tuple[str, bytes]], dict[str, bytes]]:
    """(signature files, data files) of an ASiC-E container, with size and count limits
    checked on the declared sizes before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise AsicRejected(f"The container is not a readable ZIP: {exc}") from None
    if len(members) > MAX_MEMBERS:
        raise AsicRejected(f"More than {MAX_MEMBERS} files in the container.")
    if sum(m.file_size for m in members) > max_bytes:
        raise AsicRejected("The container's files are larger than the limit.")
    signatures: list[tuple[str, bytes]] = []
    files: dict[str, bytes] = {}
    try:
        if members[0].filename != "mimetype" or archive.read(members[0]) != ASIC_E_MIMETYPE:
            raise AsicRejected("The container is not ASiC-E (mimetype).")
        for member in members[1:]:
            name = member.filename
            if member.is_dir():
                continue
            if name.startswith("META-INF/"):
                if "signatures" in posixpath.basename(name) and name.endswith(".xml"):
                    signatures.append((name, _read(archive, member)))
                continue
            files[name] = _read(archive, member)
    except (zipfile.BadZipFile, RuntimeError, ValueError, EOFError, NotImplementedError) as exc:
        raise AsicRejected(f"A file in the container cannot be read: {exc}") from None
    if not signatures:
        raise AsicRejected("The container holds no XAdES signature (META-INF/*signatures*.xml).")
    return signatures, files


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    with archive.open(member) as handle:
        content = handle.read(member.file_size + 1)
    if len(content) > member.file_size:
        raise ValueError(f"{member.filename}: more data than declared")
    return content


def validate_asic(
    data: bytes, *, policy: ValidationPolicy, env: pkix.PkixEnvironment
) -> ValidationReport:
    """Validate every XAdES signature of an ASiC-E container over its files. Never raises."""
    now = policy.validation_time or datetime.now(UTC)
    report = ValidationReport(
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        validation_time=iso(now),
        policy=policy.name,
        document_sha256=hashlib.sha256(data).hexdigest(),
    )
    try:
        signature_files, files = read_asic(data, max_bytes=policy.limits.max_bytes)
    except AsicRejected as exc:
        report.errors.append(Message("asic.format", exc.message))
        return report
    signed: set[str] = set()
    for name, signature in signature_files[: policy.max_signatures]:
        part = validate_document(signature, policy=policy, env=env, detached_documents=files)
        for message in part.errors:
            report.errors.append(Message(message.code, f"{name}: {message.message}"))
        report.signatures.extend(part.signatures)
        for sig in part.signatures:
            if sig.passed:
                signed.update(s.uri for s in sig.scope if s.kind == "DETACHED")
    unsigned = sorted(set(files) - signed)
    if report.signatures and unsigned:
        report.warnings.append(
            Message(
                "asic.unsigned_file",
                "Files in the container no valid signature covers: " + ", ".join(unsigned)[:300],
            )
        )
    if report.signatures:
        report.indication, report.sub_indication = overall(report.signatures)
    elif not report.errors:
        report.indication, report.sub_indication = overall([])
    return report
