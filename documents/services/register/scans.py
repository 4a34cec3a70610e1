"""Scans of paper items: the barcode of the label (zxing-cpp) finds the item the scan belongs
to; a scan without a readable label of this office waits in the unmatched list for a clerk.

Images (PNG, JPEG, TIFF) are read directly. A PDF scan is read through the page images a
scanner embeds in it (JPEG, or 8-bit grey/RGB Flate streams); nothing is rasterised, so a PDF
whose label exists only as vector drawing is not readable and goes to the unmatched list.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass

import zxingcpp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from offices.models import Office
from sekap import antivirus, audit
from sekap.errors import NotAllowed

from ...errors import RegisterRefused
from ...models import RegisterEntry, RegisterScan
from ..history import case_event

logger = logging.getLogger(__name__)

MAX_SCAN_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx
MAX_PDF_IMAGES = 20
RPW_CODE = re.compile(r"^RPW/(\d{1,9})/(\d{4})$")
KINDS = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}


def scan_kind(content: bytes) -> str | None:
    """The media type by the file's own signature (never by its name or the browser's word)."""
    for magic, kind in KINDS.items():
        if content.startswith(magic):
            return kind
    return None


def _image_codes(image: Image.Image) -> list[str]:
    if image.width * image.height > MAX_PIXELS:
        return []
    return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def _images_of_pdf(content: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    seen = 0
    for page_ref in _pages(reader.root["/Pages"]):
        xobjects = page_ref.get("/Resources", {}).get("/XObject", {})
        for name in list(xobjects):
            stream = xobjects[name]
            if stream.get("/Subtype") != "/Image" or seen >= MAX_PDF_IMAGES:
                continue
            seen += 1
            image = _pdf_image(stream)
            if image is not None:
                yield image


def _pages(node, depth: int = 0):
    if depth > 10:
        return
    if node.get("/Type") == "/Pages":
        for kid in node.get("/Kids", []):
            yield from _pages(kid.get_object(), depth + 1)
    else:
        yield node


def _pdf_image(stream) -> Image.Image | None:
    filters = stream.get("/Filter")
    filters = list(filters) if isinstance(filters, list) else [filters]
    width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
    if width * height > MAX_PIXELS:
        return None
    if "/DCTDecode" in filters:
        return Image.open(io.BytesIO(stream.encoded_data))
    mode = {"/DeviceGray": "L", "/DeviceRGB": "RGB"}.get(str(stream.get("/ColorSpace")))
    if filters in ([None], ["/FlateDecode"]) and mode and stream.get("/BitsPerComponent") == 8:
        return Image.frombytes(mode, (width, height), stream.data)
    return None


def barcodes_in(*, content: bytes, kind: str) -> list[str]:
    """The texts of the barcodes found on the scan (empty when none is readable)."""
    try:
        if kind == "application/pdf":
            codes = []
            for image in _images_of_pdf(content):
                codes += _image_codes(image)
            return codes
        image = Image.open(io.BytesIO(content))
        codes = []
        for frame in range(min(getattr(image, "n_frames", 1), MAX_PDF_IMAGES)):
            image.seek(frame)
            codes += _image_codes(image)
        return codes
    except (UnidentifiedImageError, OSError, ValueError, KeyError, TypeError) as exc:
        logger.info("scan not readable: %s", exc)
        return []
    except Exception:  # a malformed PDF: the scan is kept, a clerk assigns it
        logger.info("scan not readable as PDF")
        return []


def _entry_for(*, office: Office, codes: list[str]) -> tuple[str, RegisterEntry | None]:
    for code in codes:
        match = RPW_CODE.match(code.strip())
        if match:
            entry = RegisterEntry.objects.filter(
                office=office, number=int(match[1]), year=int(match[2])
            ).first()
            if entry is not None:
                return code.strip(), entry
    return (codes[0].strip()[:100] if codes else ""), None


def _attach(*, scan: RegisterScan, entry: RegisterEntry, clerk) -> None:
    scan.entry = entry
    scan.attached_at = timezone.now()
    scan.attached_by = clerk
    scan.save(update_fields=["entry", "attached_at", "attached_by"])
    if entry.case_id:
        case_event(
            case=entry.case,
            action="scan_attached",
            params={"rpw": entry.rpw},
            actor=clerk,
            document_ref=scan.sha256,
        )
    audit.record(
        actor=clerk,
        action="documents.scan_attached",
        target=scan,
        after={"rpw": entry.rpw, "sha256": scan.sha256},
    )


def _virus_checked(*, office: Office, clerk, filename: str, content: bytes) -> None:
    """Have clamd check the scan before anything reads or stores it (``sekap.antivirus``; outside
    any transaction). A refused scan is audited and nothing is stored; scans stored before stay."""
    try:
        antivirus.scan(content=content, name=filename or "skan")
    except antivirus.AntivirusRefusal as refusal:
        audit.record(
            actor=clerk,
            action="documents.scan_refused",
            target=office,
            after={
                "filename": (filename or "skan")[-200:],
                "sha256": hashlib.sha256(content).hexdigest(),
                "size": len(content),
                "reason": refusal.code,
            },
        )
        if isinstance(refusal, antivirus.MalwareFound):
            raise RegisterRefused(
                _(
                    "The scan “%(name)s” contains a virus or other malware and was not accepted. "
                    "Nothing was stored; scan the paper letter again on a clean computer."
                )
                % {"name": (filename or "skan")[-200:]}
            ) from None
        raise


def scan_upload(*, office: Office, clerk, filename: str, content: bytes) -> RegisterScan:
    """Store a scan; attach it to its item when its barcode is an RPW number of this office.
    The scan is checked for malware first: an infected scan is refused (and audited)."""
    from ...selectors.register import register_offices

    if not register_offices(user=clerk).filter(pk=office.pk).exists():
        raise NotAllowed()
    if len(content) > MAX_SCAN_BYTES:
        raise RegisterRefused(_("The scan is larger than 30 MB."))
    _virus_checked(office=office, clerk=clerk, filename=filename, content=content)
    checked_at = timezone.now() if antivirus.enabled() else None  # else the recheck sweep's
    kind = scan_kind(content)  # nothing parses the file before clamd has seen it
    if kind is None:
        raise RegisterRefused(_("Upload a scan as PDF, PNG, JPEG or TIFF."))
    stored = RegisterScan._meta.get_field("content").store(content)  # before the transaction
    return _scan_store(
        office=office,
        clerk=clerk,
        filename=filename,
        content=stored,
        kind=kind,
        checked_at=checked_at,
    )


@transaction.atomic
def _scan_store(
    *, office: Office, clerk, filename: str, content: bytes, kind: str, checked_at
) -> RegisterScan:
    code, entry = _entry_for(office=office, codes=barcodes_in(content=content, kind=kind))
    scan = RegisterScan.objects.create(
        office=office,
        filename=(filename or "skan")[-200:],
        content_type=kind,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        barcode=code,
        uploaded_at=timezone.now(),
        uploaded_by=clerk,
        virus_checked_at=checked_at,
    )
    audit.record(
        actor=clerk,
        action="documents.scan_uploaded",
        target=scan,
        after={"office": office.pk, "sha256": scan.sha256, "barcode": code},
    )
    if entry is not None:
        _attach(scan=scan, entry=entry, clerk=clerk)
    return scan


@transaction.atomic
def scan_assign(*, scan: RegisterScan, entry: RegisterEntry, clerk) -> RegisterScan:
    """A clerk attaches an unmatched scan to an item of the same office by hand."""
    from ...selectors.register import register_offices

    scan = RegisterScan.objects.select_for_update().get(pk=scan.pk)
    if not register_offices(user=clerk).filter(pk=scan.office_id).exists():
        raise NotAllowed()
    if entry.office_id != scan.office_id:
        raise NotAllowed()
    if scan.entry_id is not None:
        raise RegisterRefused(_("This scan is already attached."))
    if scan.malware:
        raise RegisterRefused(_("This scan contains malware; scan the paper letter again."))
    _attach(scan=scan, entry=entry, clerk=clerk)
    return scan


# --- the recheck of scans stored unchecked --------------------------------------------------


@dataclass(frozen=True)
class RecheckCounts:
    """What one run of :func:`scans_recheck` did."""

    enabled: bool  # False: malware scanning is not configured, nothing was checked
    clean: int = 0
    malware: int = 0
    left: int = 0  # still unchecked (beyond the run's limit, or clamd stopped answering)
    stopped: bool = False  # clamd stopped answering: the run ended early


def scan_recheck(*, scan_id: int) -> str | None:
    """Have clamd check one stored scan that was never checked: ``"clean"``, ``"malware"``, or
    None when there is nothing to do (scanning is off, or the scan was checked meanwhile).

    clamd is asked outside any transaction; the outcome is then written once, under the scan's
    row lock (a concurrent run finds it done), with its audit entry. An infected scan is kept
    as evidence but never served again. Raises ``antivirus.ScannerUnavailable`` when clamd does
    not answer (the scan stays due)."""
    if not antivirus.enabled():
        return None
    due = RegisterScan.objects.filter(pk=scan_id, virus_checked_at__isnull=True)
    stored = due.values_list("content", "filename").first()
    if stored is None:
        return None
    found = ""
    try:
        antivirus.scan(content=bytes(stored[0]), name=stored[1])
    except antivirus.MalwareFound as exc:
        found = str(exc.message)[:200]
    with transaction.atomic():
        scan = due.select_for_update().defer("content").first()
        if scan is None:
            return None
        scan.virus_checked_at, scan.malware = timezone.now(), found
        scan.save(update_fields=["virus_checked_at", "malware"])
        audit.record(
            action="documents.scan_quarantined" if found else "documents.scan_checked",
            target=scan,
            after={"sha256": scan.sha256, "malware": found, "entry": scan.entry_id},
        )
    if found:
        logger.warning("stored scan %s contains malware: %s", scan_id, found)
    return "malware" if found else "clean"


def scans_recheck(*, limit: int = 200) -> RecheckCounts:
    """Check up to ``limit`` stored scans that clamd never saw, oldest first (idempotent: each
    is checked until it has an outcome; the beat task and ``documents_scans_recheck`` run this).
    Stops at the first scan clamd cannot check; the rest stay due for the next run."""
    if not antivirus.enabled():
        return RecheckCounts(enabled=False)
    unchecked = RegisterScan.objects.filter(virus_checked_at__isnull=True)
    outcomes = {"clean": 0, "malware": 0}
    stopped = False
    for scan_id in list(unchecked.order_by("pk").values_list("pk", flat=True)[:limit]):
        try:
            outcome = scan_recheck(scan_id=scan_id)
        except antivirus.ScannerUnavailable:
            logger.warning("clamd does not answer; the stored scans stay due for the next run")
            stopped = True
            break
        if outcome:
            outcomes[outcome] += 1
    return RecheckCounts(enabled=True, left=unchecked.count(), stopped=stopped, **outcomes)
