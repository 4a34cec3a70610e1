"""ETSI TS 119 612 trusted lists: verify the list's own XAdES signature against pinned list-signer
certificates (from the LOTL / Official Journal), then extract the granted CA/QC and TSA/QTST
service certificates with their qualifications, or, for a list of lists (LOTL), its pointers to
the other lists and the certificates that sign them."""

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
SIE = "http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#"
_S = f"{{{SIE}}}"
QUALIFIER = "http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/"
LOTL_TYPE = "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUlistofthelists"
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
    # Last path segments of the Qualifications extension's qualifier URIs (e.g. QCWithQSCD,
    # QCForESig) and of AdditionalServiceInformation (ForeSignatures, ForeSeals, ...).
    qualifiers: tuple[str, ...] = ()
    additional: tuple[str, ...] = ()


@dataclass
class ListPointer:
    """A LOTL's pointer to another list: where it is and which certificates may sign it."""

    territory: str
    tsl_type: str
    location: str
    certificates: list[x509.Certificate]


@dataclass
class ListOfLists:
    sequence_number: int
    signer: x509.Certificate
    pointers: list[ListPointer]
    scheme_uris: list[str]
    issue_date_time: datetime | None = None

    def pointer(self, territory: str, *, lotl: bool = False) -> ListPointer | None:
        return next(
            (
                p
                for p in self.pointers
                if p.territory == territory and (p.tsl_type == LOTL_TYPE) == lotl
            ),
            None,
        )


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


def verify_list(
    data: bytes, *, signer_certificates: list[x509.Certificate]
) -> tuple[etree._Element, x509.Certificate]:
    """The list's document element once its one enveloped signature is verified with one of
    ``signer_certificates`` (which is returned too)."""
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
    return root, _verify(sigs[0], doc, signer_certificates)


def territory_of(data: bytes) -> str:
    """The SchemeTerritory a list claims (unverified: to choose its pinned signers)."""
    try:
        root = parse_untrusted(data).root
    except XmlRejected as exc:
        raise TrustedListError(exc.message) from None
    return (root.findtext(f"{_T}SchemeInformation/{_T}SchemeTerritory") or "").strip()


def _sequence(info: etree._Element) -> int:
    try:
        return int((info.findtext(f"{_T}TSLSequenceNumber") or "").strip())
    except ValueError:
        raise TrustedListError("TSLSequenceNumber is not a number.") from None


def _certificates(parent: etree._Element, path: str) -> list[x509.Certificate]:
    out = []
    for el in parent.iterfind(path):
        try:
            der = base64.b64decode("".join((el.text or "").split()), validate=True)
            out.append(pkix.load_certificate(der))
        except (binascii.Error, ValueError):
            continue
    return out


def parse_list_of_lists(data: bytes, *, signer_certificates: list[x509.Certificate]) -> ListOfLists:
    """Verify a LOTL (or a pivot LOTL) with pinned signers; read its pointers."""
    root, signer = verify_list(data, signer_certificates=signer_certificates)
    info = root.find(f"{_T}SchemeInformation")
    if info is None or (info.findtext(f"{_T}TSLType") or "").strip() != LOTL_TYPE:
        raise TrustedListError("Not a list of trusted lists (TSLType EUlistofthelists).")
    pointers = []
    for pointer in info.iterfind(f"{_T}PointersToOtherTSL/{_T}OtherTSLPointer"):
        other = pointer.find(f"{_T}AdditionalInformation")
        texts = {}
        for el in other.iterfind(f"{_T}OtherInformation/*") if other is not None else []:
            texts.setdefault(etree.QName(el).localname, (el.text or "").strip())
        pointers.append(
            ListPointer(
                territory=texts.get("SchemeTerritory", ""),
                tsl_type=texts.get("TSLType", ""),
                location=(pointer.findtext(f"{_T}TSLLocation") or "").strip(),
                certificates=_certificates(
                    pointer,
                    f"{_T}ServiceDigitalIdentities/{_T}ServiceDigitalIdentity/{_T}DigitalId"
                    f"/{_T}X509Certificate",
                ),
            )
        )
    return ListOfLists(
        sequence_number=_sequence(info),
        signer=signer,
        pointers=pointers,
        scheme_uris=[
            (el.text or "").strip() for el in info.iterfind(f"{_T}SchemeInformationURI/{_T}URI")
        ],
        issue_date_time=_dt(info.findtext(f"{_T}ListIssueDateTime")),
    )


def parse_trusted_list(data: bytes, *, signer_certificates: list[x509.Certificate]) -> TrustedList:
    """Verify the list signature with a pinned signer and extract the services."""
    root, signer = verify_list(data, signer_certificates=signer_certificates)
    info = root.find(f"{_T}SchemeInformation")
    if info is None:
        raise TrustedListError("SchemeInformation is missing.")
    sequence = _sequence(info)
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
        extensions = si.find(f"{_T}ServiceInformationExtensions")
        qualifiers: tuple[str, ...] = ()
        additional: tuple[str, ...] = ()
        if extensions is not None:
            qualifiers = tuple(
                (q.get("uri") or "").rsplit("/", 1)[-1]
                for q in extensions.iterfind(f".//{_S}Qualifier")
            )
            additional = tuple(
                (u.text or "").strip().rsplit("/", 1)[-1]
                for u in extensions.iterfind(f".//{_T}AdditionalServiceInformation/{_T}URI")
            )
        path = f"{_T}ServiceDigitalIdentity/{_T}DigitalId/{_T}X509Certificate"
        for cert in _certificates(si, path):
            result.services.append(
                ServiceCertificate(
                    der=pkix.der(cert),
                    service_type=stype,
                    name=name,
                    qualifiers=qualifiers,
                    additional=additional,
                )
            )
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
