"""Test PDFs: a plain N-page document written by hand, signed with pyHanko (a real PAdES signer,
as qualified signing tools produce) by a test or SEKAP certificate."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signatures import pkix


def make_pdf(pages: int = 1, text: str = "Wniosek o wydanie zaswiadczenia") -> bytes:
    """A valid PDF 1.7 of ``pages`` pages, each with one uncompressed line of text."""
    objects: list[bytes] = []
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i in range(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}, strona {i + 1}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pkix.der(cert))


def signer_for(key, chain: list[x509.Certificate]) -> signers.SimpleSigner:
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_asn1(chain[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain[1:]]),
    )


def sign_pdf(
    pdf: bytes,
    *,
    key,
    chain: list[x509.Certificate],
    field_name: str = "Podpis1",
    certify: bool = False,
    docmdp: fields.MDPPerm | None = None,
    tsa_url: str | None = None,
) -> bytes:
    """PAdES B-B (or B-T with ``tsa_url``), signed by pyHanko (in a thread of its own: pyHanko
    runs its own event loop, which a browser test's thread already has)."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=docmdp or fields.MDPPerm.FILL_FORMS,
        reason="Podpis wniosku",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    with ThreadPoolExecutor(max_workers=1) as pool:
        out = pool.submit(
            signers.sign_pdf,
            writer,
            meta,
            signer=signer_for(key, chain),
            timestamper=timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None,
        ).result()
    return out.getvalue()


def change_page_text(signed: bytes, new_text: bytes = b"Kwota 999999 PLN") -> bytes:
    """An incremental update that replaces page 1's content: a change no DocMDP level allows."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page_ref = writer.root["/Pages"].raw_get("/Kids")[0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (" + new_text + b") Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_comment(signed: bytes, text: str = "Zatwierdzone") -> bytes:
    """An incremental update that adds a text annotation (a comment) to page 1."""
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"].raw_get("/Kids")[0].get_object()
    annotation = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (72, 600, 92, 620)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject(text),
            generic.NameObject("/P"): writer.root["/Pages"].raw_get("/Kids")[0],
        }
    )
    page["/Annots"] = generic.ArrayObject([writer.add_object(annotation)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def add_empty_signature_field(signed: bytes, name: str = "Podpis2") -> bytes:
    """An incremental update that adds an empty signature field."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    fields.append_signature_field(writer, fields.SigFieldSpec(sig_field_name=name))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
