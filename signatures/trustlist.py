"""ETSI TS 119 612 trusted lists: verify the list's own XAdES signature against pinned list-signer
certificates (from the LOTL / Official Journal), then extract the granted CA/QC and TSA/QTST
service certificates."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from lxml import etree

from sekap.xmlsafe import XmlRejected, parse_untrusted
from signatures import dsig, pkix, xades
from signatures.constants import DS, SIGNED_PROPERTIES_TYPE
from signatures.dsig import SignatureFailure

TSL = "http://uri.etsi.org/02231/v2#"
_T = f"{{{TSL}}}"
GRANTED = {
    "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
    "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel",
}
IMPORTED_TYPES = {
    "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
    "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST",
}


class TrustedListError(Exception):
    pass


@dataclass
class ServiceCertificate:
    der: bytes
    service_type: str
    name: str


@dataclass
class TrustedList:
    territory: str
    sequence_number: int
    issue_date_time: datetime | None
    next_update: datetime | None
    signer: x509.Certificate
    document_sha256: str
    services: list[ServiceCertificate] = field(default_factory=list)


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def parse_trusted_list(data: bytes, *, signer_certificates: list[x509.Certificate]) -> TrustedList:
    """Verify the list signature with a pinned signer and extract the services."""
    if not signer_certificates:
        raise TrustedListError("At least one pinned list-signer certificate is required.")
    try:
        doc = parse_untrusted(data)
    except XmlRejected as exc:
        raise TrustedListError(exc.message) from None
    root = doc.root
    if root.tag != _T + "TrustServiceStatusList":
        raise TrustedListError("Not an ETSI TS 119 612 TrustServiceStatusList.")
    if doc.duplicate_ids():
        raise TrustedListError("Duplicate ID values.")
    sigs = root.findall(f"{{{DS}}}Signature")
    if len(sigs) != 1 or len(list(root.iter(f"{{{DS}}}Signature"))) != 1:
        raise TrustedListError("The list must carry exactly one enveloped signature.")
    signer = _verify(sigs[0], doc, signer_certificates)
    info = root.find(f"{_T}SchemeInformation")
    if info is None:
        raise TrustedListError("SchemeInformation is missing.")
    try:
        sequence = int((info.findtext(f"{_T}TSLSequenceNumber") or "").strip())
    except ValueError:
        raise TrustedListError("TSLSequenceNumber is not a number.") from None
    result = TrustedList(
        territory=(info.findtext(f"{_T}SchemeTerritory") or "").strip()[:10],
        sequence_number=sequence,
        issue_date_time=_dt(info.findtext(f"{_T}ListIssueDateTime")),
        next_update=_dt(info.findtext(f"{_T}NextUpdate/{_T}dateTime")),
        signer=signer,
        document_sha256=hashlib.sha256(data).hexdigest(),
    )
    for service in root.iterfind(
        f"{_T}TrustServiceProviderList/{_T}TrustServiceProvider/{_T}TSPServices/{_T}TSPService"
    ):
        si = service.find(f"{_T}ServiceInformation")
        if si is None:
            continue
        stype = (si.findtext(f"{_T}ServiceTypeIdentifier") or "").strip()
        status = (si.findtext(f"{_T}ServiceStatus") or "").strip()
        if stype not in IMPORTED_TYPES or status not in GRANTED:
            continue
        name = (si.findtext(f"{_T}ServiceName/{_T}Name") or "").strip()
        for el in si.iterfind(f"{_T}ServiceDigitalIdentity/{_T}DigitalId/{_T}X509Certificate"):
            try:
                der = base64.b64decode("".join((el.text or "").split()), validate=True)
                x509.load_der_x509_certificate(der)
            except (binascii.Error, ValueError):
                continue
            result.services.append(ServiceCertificate(der=der, service_type=stype, name=name))
    return result


def _verify(
    sig: etree._Element, doc, signer_certificates: list[x509.Certificate]
) -> x509.Certificate:
    try:
        parts = dsig.parse_signature(sig)
        q = xades.locate(parts)
        verified = dsig.verify_references(parts, doc)
        if not any(v.whole_document for v in verified):
            raise TrustedListError("The list signature does not cover the whole list.")
        sp = [
            v
            for v in verified
            if v.type == SIGNED_PROPERTIES_TYPE and v.target is q.signed_properties
        ]
        if len(sp) != 1:
            raise TrustedListError("The list signature's SignedProperties are not signed.")
        refs = q.cert_refs_v2 or q.cert_refs_v1
        octets = dsig.signed_info_octets(parts)
        for cert in signer_certificates:
            der = pkix.der(cert)
            if refs and dsig.digest(refs[0].digest_name, der) != refs[0].digest_value:
                continue
            try:
                dsig.verify_signature_value(parts, cert.public_key(), octets)
            except SignatureFailure:
                continue
            return cert
    except SignatureFailure as exc:
        raise TrustedListError(exc.message) from None
    raise TrustedListError("The list is not signed by a pinned list-signer certificate.")
