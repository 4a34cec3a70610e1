"""Augmenting XAdES signatures for the long term (EN 319 132-1): B-LT validation material,
the validation material of the time-stamps, and B-LTA archive time-stamps.

Each function adds to every XAdES signature of a document and returns the new document. The
caller gathers the material (certificates, OCSP responses, CRLs) and gives the TSA; nothing here
fetches except the time-stamp request itself.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence

from lxml import etree

from sekap.xmlsafe import parse_untrusted
from signatures import dsig, ltv, tsp
from signatures.constants import DS, EXC_C14N, XADES, XADES141
from signatures.pkix import Fetcher
from signatures.signer import SigningError

_DS = f"{{{DS}}}"
_X = f"{{{XADES}}}"


def _usp(sig: etree._Element) -> etree._Element:
    qp = sig.find(f"{_DS}Object/{_X}QualifyingProperties")
    if qp is None:
        raise SigningError("Not a XAdES signature.")
    up = qp.find(_X + "UnsignedProperties")
    if up is None:
        up = etree.SubElement(qp, _X + "UnsignedProperties")
    usp = up.find(_X + "UnsignedSignatureProperties")
    if usp is None:
        usp = etree.SubElement(up, _X + "UnsignedSignatureProperties")
    return usp


def _values(
    parent: etree._Element,
    certificates: Sequence[bytes],
    ocsps: Sequence[bytes],
    crls: Sequence[bytes],
) -> None:
    def add(holder: etree._Element, tag: str, value: bytes) -> None:
        etree.SubElement(holder, _X + tag).text = base64.b64encode(value).decode()

    if certificates:
        holder = etree.SubElement(parent, _X + "CertificateValues")
        for value in certificates:
            add(holder, "EncapsulatedX509Certificate", value)
    if ocsps or crls:
        holder = etree.SubElement(parent, _X + "RevocationValues")
        if crls:
            crl_values = etree.SubElement(holder, _X + "CRLValues")
            for value in crls:
                add(crl_values, "EncapsulatedCRLValue", value)
        if ocsps:
            ocsp_values = etree.SubElement(holder, _X + "OCSPValues")
            for value in ocsps:
                add(ocsp_values, "EncapsulatedOCSPValue", value)


def _signatures(xml_bytes: bytes):
    doc = parse_untrusted(xml_bytes)
    signatures = list(doc.root.iter(_DS + "Signature"))
    if not signatures:
        raise SigningError("The document has no signature.")
    return doc, signatures


def add_validation_data(
    xml_bytes: bytes,
    *,
    certificates: Sequence[bytes],
    ocsps: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
) -> bytes:
    """B-LT: ``CertificateValues`` and ``RevocationValues`` (DER values) on every signature."""
    doc, signatures = _signatures(xml_bytes)
    for sig in signatures:
        usp = _usp(sig)
        if usp.find(_X + "CertificateValues") is not None:
            raise SigningError("The signature already carries validation material.")
        _values(usp, certificates, ocsps, crls)
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")


def add_timestamp_validation_data(
    xml_bytes: bytes,
    *,
    certificates: Sequence[bytes] = (),
    ocsps: Sequence[bytes] = (),
    crls: Sequence[bytes] = (),
) -> bytes:
    """``xadesv141:TimeStampValidationData``: the material that shows the time-stamps' TSAs
    were valid, added before the archive time-stamp that will protect it."""
    doc, signatures = _signatures(xml_bytes)
    for sig in signatures:
        holder = etree.SubElement(
            _usp(sig),
            f"{{{XADES141}}}TimeStampValidationData",
            {"Id": f"TimeStampValidationData-{uuid.uuid4().hex[:16]}"},
            nsmap={"xades141": XADES141},
        )
        _values(holder, certificates, ocsps, crls)
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")


def add_archive_timestamp(
    xml_bytes: bytes, *, tsa_url: str, fetcher: Fetcher, method: str = EXC_C14N
) -> bytes:
    """B-LTA: an ``xadesv141:ArchiveTimeStamp`` over each signature and everything it holds."""
    doc, signatures = _signatures(xml_bytes)
    for sig in signatures:
        usp = _usp(sig)
        parts = dsig.parse_signature(sig)
        verified = dsig.verify_references(parts, doc)
        stamp = etree.SubElement(
            usp,
            f"{{{XADES141}}}ArchiveTimeStamp",
            {"Id": f"ArchiveTimeStamp-{uuid.uuid4().hex[:16]}"},
            nsmap={"xades141": XADES141},
        )
        etree.SubElement(stamp, _DS + "CanonicalizationMethod", Algorithm=method)
        data = ltv.archive_timestamp_input(parts, verified, usp, stamp, method)
        token = tsp.request_timestamp(data, url=tsa_url, fetcher=fetcher)
        etree.SubElement(stamp, _X + "EncapsulatedTimeStamp").text = base64.b64encode(
            token
        ).decode()
    return etree.tostring(doc.tree, xml_declaration=True, encoding="UTF-8")


__all__ = ["add_archive_timestamp", "add_timestamp_validation_data", "add_validation_data"]
