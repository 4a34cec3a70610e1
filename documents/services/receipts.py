"""Official receipts (UPO): the UPP for a submission and the UPD for an opened letter.

The XML follows the ePUAP UPO structure (namespace ``http://crd.gov.pl/xml/schematy/UPO/
2008/05/09/``, REFERENCE.md §1.5) and is sealed with the office's seal (enveloped XAdES
B-B). The PDF rendering is made after commit by a task and carries a QR code pointing at the
public verification page ``/upo/<public id>/``.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import logging
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from lxml import etree

from certauth.services.seals import office_seal
from offices.identity import office_identity_current
from offices.models import Office, OfficeIdentity
from sekap.site import public_url
from sekap.xmlsafe import parse_own
from signatures import services as signatures
from signatures.signer import SigningKey

from ..models import Delivery, Receipt, ReceiptKind, Submission

UPO_NS = "http://crd.gov.pl/xml/schematy/UPO/2008/05/09/"
_P = f"{{{UPO_NS}}}"

logger = logging.getLogger(__name__)

# What the UPP tells the sender about how letters in the case will reach them: the rules in
# force since the e-Doręczenia act (art. 39 KPA with art. 4 and art. 42 UDE; REFERENCE §2),
# not the 2014 wording of art. 63 § 5 KPA (delivery to the platform account, opt-out under
# art. 39¹ § 1d), which no longer applies.
DELIVERY_NOTICE = (
    "Pisma w sprawie organ doręcza na adres do doręczeń elektronicznych wpisany do bazy adresów "
    "elektronicznych (art. 39 KPA, art. 4 ustawy z dnia 18 listopada 2020 r. o doręczeniach "
    "elektronicznych), a gdy go brak – przez operatora pocztowego, także w publicznej usłudze "
    "hybrydowej. Pismo niepodjęte z adresu do doręczeń elektronicznych uważa się za doręczone w "
    "dniu następującym po upływie 14 dni od dnia jego wpłynięcia (art. 42 ust. 2 tej ustawy). "
    "Kopię każdego pisma otrzymuje Pani/Pan także w skrzynce SEKAP; pisma doręczane przez SEKAP "
    "na Pani/Pana żądanie są doręczone z chwilą otwarcia, a nieotwarte – po upływie 14 dni od "
    "pierwszego zawiadomienia."
)


def seal_for(office: Office) -> tuple[SigningKey, list]:
    """The office's seal as a signing key for ``signatures`` (in the CA's key custody: a file or
    the PKCS#11 token), plus its certificate chain."""
    return office_seal(terc=office.terc, name=office.name)


def seal_document(*, office: Office, xml: bytes) -> bytes:
    key, chain = seal_for(office)
    return signatures.sign_enveloped(xml, key=key, cert_chain=chain, level="B-B")


def verification_url(public_id: Any) -> str:
    return public_url(f"/upo/{public_id}/")


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str):
    element = etree.SubElement(parent, _P + tag, **attrs)
    if text is not None:
        element.text = text
    return element


def _party(parent: etree._Element, tag: str, *, name: str, id_type: str, ident: str) -> None:
    party = _sub(parent, tag)
    _sub(party, "Nazwa", name)
    _sub(party, "IdentyfikatorPodmiotu", ident, TypIdentyfikatora=id_type)


def _info(parent: etree._Element, kind: str, text: str) -> None:
    _sub(parent, "InformacjaUzupelniajaca", text, TypInformacjiUzupelniajacej=kind)


def _identity_in_force(office: Office) -> OfficeIdentity:
    """The office's version in force: the one it came with when loaded in this request with
    ``select_related("office__identity")`` (as current as asking again; ``Office.identity`` is
    kept by the one writer, ``office_identity_change``, and is None only while the office has
    no version, when it is named as ``office_identity_current`` names it), else asked for."""
    if not Office.identity.is_cached(office):
        return office_identity_current(office)
    return office.identity or OfficeIdentity(
        office=office, official_name=office.name, city=office.seat
    )


def _public_body(parent: etree._Element, tag: str, office: Office) -> OfficeIdentity:
    """Name the public body by its full official name in force now; a sealed receipt keeps
    that name for good (its XML bytes are stored once and never re-rendered)."""
    identity = _identity_in_force(office)
    _party(parent, tag, name=identity.official_name, id_type="TERC", ident=office.terc)
    return identity


def _public_body_address(parent: etree._Element, identity: OfficeIdentity) -> None:
    """The body's postal address, once confirmed (an unconfirmed one is never sealed)."""
    if identity.contact_verified and identity.street:
        _info(parent, "AdresPodmiotu", identity.postal_address)


def account_identifier(user) -> tuple[str, str]:
    """(identifier type, identifier) naming a person's account to the office: their PESEL once
    the identity is verified, else the account's login (its e-mail address); never a row id."""
    if getattr(user, "is_identity_verified", False) and user.pesel:
        return "PESEL", user.pesel
    return "LoginSEKAP", user.email


def sender_of(submission: Submission) -> tuple[str, str, str]:
    """(name, identifier type, identifier) of the sender."""
    if submission.company_id:
        company = submission.company
        return company.name, "NIP", company.nip
    user = submission.submitter
    id_type, ident = account_identifier(user)
    return (user.get_full_name() or user.email), id_type, ident


def upp_xml(*, submission: Submission, receipt_id: Any, created_at: dt.datetime) -> bytes:
    office = submission.office
    root = etree.Element(_P + "Dokument", nsmap={"pos": UPO_NS})
    upp = _sub(root, "UPP")
    _sub(upp, "IdentyfikatorPoswiadczenia", str(receipt_id))
    identity = _public_body(upp, "Adresat", office)
    name, id_type, ident = sender_of(submission)
    _party(upp, "Nadawca", name=name, id_type=id_type, ident=ident)
    _sub(upp, "DataDoreczenia", _iso(submission.received_at))
    _sub(upp, "DataWytworzeniaPoswiadczenia", _iso(created_at))
    _sub(upp, "IdentyfikatorDokumentu", str(submission.public_id))
    _info(upp, "SkrotDokumentuSHA256", submission.sha256)
    _info(upp, "NazwaDokumentu", submission.title)
    _public_body_address(upp, identity)
    _info(upp, "AdresSkrytki", office.esp_address)
    _info(upp, "Pouczenie", DELIVERY_NOTICE)
    _info(upp, "AdresWeryfikacji", verification_url(receipt_id))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


PLATFORM_RULE_TEXT = (
    "Doręczenie przez platformę SEKAP z chwilą otwarcia pisma przez adresata (zasady doręczeń "
    "ePUAP, dawny art. 46 § 4 KPA)."
)


def _addressee_identifier(delivery: Delivery) -> tuple[str, str]:
    if delivery.company_id:
        return "NIP", delivery.company.nip
    if delivery.recipient_id:
        return account_identifier(delivery.recipient)
    return "AdresDoDoreczen", delivery.ade


def upd_xml(*, delivery: Delivery, receipt_id: Any, created_at: dt.datetime) -> bytes:
    """The UPD of a letter delivered through the platform: the addressee (the person or the
    company the letter is for), the moment of collection, and who opened it."""
    letter = delivery.letter
    case = letter.case
    office = case.office
    root = etree.Element(_P + "Dokument", nsmap={"pos": UPO_NS})
    upd = _sub(root, "UPD")
    _sub(upd, "IdentyfikatorPoswiadczenia", str(receipt_id))
    identity = _public_body(upd, "PodmiotWystawiajacyPoswiadczenie", office)
    id_type, ident = _addressee_identifier(delivery)
    _party(upd, "Adresat", name=delivery.recipient_name, id_type=id_type, ident=ident)
    _sub(upd, "DataOdbioru", _iso(delivery.collected_at))
    _sub(upd, "DataUtworzeniaPoswiadczenia", _iso(created_at))
    _sub(upd, "IdentyfikatorSprawy", case.sign)
    _sub(upd, "IdentyfikatorDokumentu", str(letter.public_id))
    _info(upd, "SkrotDokumentuSHA256", letter.sha256)
    _info(upd, "NazwaDokumentu", letter.title)
    opener = delivery.collected_by
    if opener is not None and opener.pk != delivery.recipient_id:
        _, opener_id = account_identifier(opener)
        _info(upd, "OdebralaOsoba", f"{opener.get_full_name() or opener.email} ({opener_id})")
    _info(upd, "PodstawaDoreczenia", PLATFORM_RULE_TEXT)
    _public_body_address(upd, identity)
    _info(upd, "AdresWeryfikacji", verification_url(receipt_id))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


PDF_GRACE = dt.timedelta(minutes=2)


def upp_issue(*, submission: Submission) -> Receipt:
    """The UPP of a submission not yet saved, sealed and its XML stored: the caller saves it
    in its transaction (storing, possibly a network call, happens here, before)."""
    receipt = Receipt(kind=ReceiptKind.UPP, office=submission.office)
    receipt.created_at = timezone.now()
    xml = seal_document(
        office=submission.office,
        xml=upp_xml(
            submission=submission, receipt_id=receipt.public_id, created_at=receipt.created_at
        ),
    )
    receipt.xml = Receipt._meta.get_field("xml").store(xml)
    receipt.sha256 = hashlib.sha256(xml).hexdigest()
    receipt.pdf_due_at = receipt.created_at + PDF_GRACE
    return receipt


def upd_issue(*, delivery: Delivery, at: dt.datetime, by) -> Receipt:
    """The UPD of a platform delivery collected ``at`` by ``by``, not yet saved: sealed and its
    XML stored here, before the caller's transaction (storing may be a network call)."""
    collected = copy.copy(delivery)
    collected.collected_at, collected.collected_by = at, by
    office = delivery.letter.case.office
    receipt = Receipt(kind=ReceiptKind.UPD, office=office, letter_id=delivery.letter_id)
    receipt.created_at = timezone.now()
    xml = seal_document(
        office=office,
        xml=upd_xml(
            delivery=collected, receipt_id=receipt.public_id, created_at=receipt.created_at
        ),
    )
    receipt.xml = Receipt._meta.get_field("xml").store(xml)
    receipt.sha256 = hashlib.sha256(xml).hexdigest()
    receipt.pdf_due_at = receipt.created_at + PDF_GRACE
    return receipt


# --- PDF ------------------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    """The QR code as one SVG ``<path>`` (drawing hundreds of rects costs WeasyPrint ~200 ms)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


def receipt_fields(receipt: Receipt) -> dict[str, Any]:
    """What the receipt says, read back from its own XML (the sealed evidence)."""
    root = parse_own(bytes(receipt.xml))
    body = root[0]
    fields: dict[str, Any] = {"kind": etree.QName(body).localname, "info": {}}
    for child in body:
        name = etree.QName(child).localname
        if name in ("Adresat", "Nadawca", "PodmiotWystawiajacyPoswiadczenie"):
            fields[name] = {
                "name": child.findtext(_P + "Nazwa"),
                "id": child.findtext(_P + "IdentyfikatorPodmiotu"),
            }
        elif name == "InformacjaUzupelniajaca":
            fields["info"][child.get("TypInformacjiUzupelniajacej")] = child.text
        else:
            fields[name] = child.text
    return fields


def receipt_html(receipt: Receipt) -> str:
    """The printable page of a receipt. Its verification link is the one sealed in the XML
    (the address in force when it was issued), not today's setting."""
    fields = receipt_fields(receipt)
    url = fields["info"].get("AdresWeryfikacji") or verification_url(receipt.public_id)
    return render_to_string(
        "documents/receipt_pdf.html",
        {"receipt": receipt, "fields": fields, "qr": qr_svg(url), "url": url},
    )


def render_pdf(receipt: Receipt) -> bytes:
    from weasyprint import HTML  # loaded late: importing WeasyPrint is slow

    return HTML(string=receipt_html(receipt), base_url=None).write_pdf()


def receipt_render_pdf(*, receipt_id: int) -> bool:
    """Render and store the PDF once; True when this call stored it."""
    receipt = Receipt.objects.select_related("office").get(pk=receipt_id)
    return receipt.pdf_rendered_at is None and _pdf_store(receipt)


def receipt_render_pdfs(*, receipt_ids: list[int]) -> int:
    """Render and store the PDFs of these receipts not rendered yet (an intake batch's, in one
    task); returns how many this call stored. One that fails is logged and left due: the
    sweeper dispatches it again once its ``pdf_due_at`` has passed."""
    stored = 0
    waiting = Receipt.objects.select_related("office").filter(
        pk__in=receipt_ids, pdf_rendered_at__isnull=True
    )
    for receipt in waiting.order_by("pk"):
        try:
            stored += _pdf_store(receipt)
        except Exception:
            logger.exception("PDF of receipt %s failed", receipt.pk)
    return stored


def _pdf_store(receipt: Receipt) -> bool:
    pdf = render_pdf(receipt)
    return bool(
        Receipt.objects.filter(pk=receipt.pk, pdf_rendered_at__isnull=True).update(
            pdf=pdf, pdf_rendered_at=timezone.now(), pdf_due_at=None
        )
    )
