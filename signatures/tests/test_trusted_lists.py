"""Trusted lists from files: the EU LOTL verified through its pivots from the Official Journal's
certificates, the Polish list verified with the key the LOTL gives for PL, its qualified
services imported, and the qualified status (QESig / AdESig-QC / AdES) of signatures reported.

The lists are built here with the ETSI TS 119 612 structure (checked against the standard's
schema) and signed with XAdES by test keys.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import CommandError, call_command
from lxml import etree

from sekap.xmlsafe import parse_own
from signatures import schemas, services
from signatures.etsi_report import VR, etsi_validation_report
from signatures.models import TrustedCertificate
from signatures.signer import SoftwareKey, sign_enveloped
from signatures.tests.corpus.build import BASE
from signatures.trustlist import LOTL_TYPE, SIE, TSL

pytestmark = pytest.mark.django_db

ADDITIONAL_TYPES = "http://uri.etsi.org/02231/v2/additionaltypes#"
SVC = "http://uri.etsi.org/TrstSvc/TrustedList/"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
GRANTED = SVC + "Svcstatus/granted"
WITHDRAWN = SVC + "Svcstatus/withdrawn"
PIVOT_BASE = "https://ec.europa.eu/tools/lotl/"


def _e(parent, tag, text=None, ns=TSL, **attrs):
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _names(parent, tag, text):
    holder = _e(parent, tag)
    _e(holder, "Name", text, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})


def _address(parent, tag):
    address = _e(parent, tag)
    postal = _e(
        _e(address, "PostalAddresses"),
        "PostalAddress",
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )
    _e(postal, "StreetAddress", "Rue de la Loi 200")
    _e(postal, "Locality", "Brussels")
    _e(postal, "CountryName", "BE")
    _e(
        _e(address, "ElectronicAddress"),
        "URI",
        "mailto:tl@example.org",
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def build_list(
    *,
    territory: str,
    sequence: int,
    signer,
    lotl: bool = False,
    pointers: list[tuple[str, str, list[x509.Certificate]]] = (),
    scheme_uris: list[str] = (),
    services: list[tuple[str, x509.Certificate, str, list[str], list[str]]] = (),
) -> bytes:
    """A TS 119 612 list signed by ``signer`` (an Identity of the test PKI). ``pointers``:
    (territory, TSL type, certificates); ``services``: (name, certificate, status, qualifiers,
    additional service information)."""
    lang = {"{http://www.w3.org/XML/1998/namespace}lang": "en"}
    root = etree.Element(
        f"{{{TSL}}}TrustServiceStatusList",
        nsmap={None: TSL, "tie": ADDITIONAL_TYPES, "ecc": SIE},
        TSLTag="http://uri.etsi.org/19612/TSLTag",
        Id=f"TSL-{territory}-{sequence}",
    )
    info = _e(root, "SchemeInformation")
    _e(info, "TSLVersionIdentifier", "6")
    _e(info, "TSLSequenceNumber", str(sequence))
    _e(info, "TSLType", LOTL_TYPE if lotl else SVC + "TSLType/EUgeneric")
    _names(info, "SchemeOperatorName", f"{territory} scheme operator")
    _address(info, "SchemeOperatorAddress")
    _names(info, "SchemeName", f"{territory}:trusted list")
    uris = _e(info, "SchemeInformationURI")
    for uri in [*scheme_uris, "https://example.org/scheme"]:
        _e(uris, "URI", uri, **lang)
    _e(info, "StatusDeterminationApproach", SVC + "StatusDetn/EUappropriate")
    _e(info, "SchemeTerritory", territory)
    _e(_e(info, "PolicyOrLegalNotice"), "TSLLegalNotice", "Test list.", **lang)
    _e(info, "HistoricalInformationPeriod", "65535")
    if pointers:
        holder = _e(info, "PointersToOtherTSL")
        for other, tsl_type, certs in pointers:
            pointer = _e(holder, "OtherTSLPointer")
            identities = _e(pointer, "ServiceDigitalIdentities")
            for cert in certs:
                digital = _e(_e(identities, "ServiceDigitalIdentity"), "DigitalId")
                _e(digital, "X509Certificate", _b64(cert))
            _e(pointer, "TSLLocation", f"https://example.org/{other}.xml")
            additional = _e(pointer, "AdditionalInformation")
            _e(_e(additional, "OtherInformation"), "TSLType", tsl_type)
            _e(_e(additional, "OtherInformation"), "SchemeTerritory", other)
            _e(
                _e(additional, "OtherInformation"),
                "MimeType",
                "application/vnd.etsi.tsl+xml",
                ns=ADDITIONAL_TYPES,
            )
    _e(info, "ListIssueDateTime", "2026-11-01T00:00:00Z")
    _e(_e(info, "NextUpdate"), "dateTime", "2027-05-01T00:00:00Z")
    if services:
        provider = _e(_e(root, "TrustServiceProviderList"), "TrustServiceProvider")
        tsp_info = _e(provider, "TSPInformation")
        _names(tsp_info, "TSPName", "Test QTSP S.A.")
        _address(tsp_info, "TSPAddress")
        _e(_e(tsp_info, "TSPInformationURI"), "URI", "https://qtsp.example.org", **lang)
        holder = _e(provider, "TSPServices")
        for name, cert, status, qualifiers, additional in services:
            si = _e(_e(holder, "TSPService"), "ServiceInformation")
            _e(si, "ServiceTypeIdentifier", CA_QC)
            _names(si, "ServiceName", name)
            _e(_e(_e(si, "ServiceDigitalIdentity"), "DigitalId"), "X509Certificate", _b64(cert))
            _e(si, "ServiceStatus", status)
            _e(si, "StatusStartingTime", "2020-01-01T00:00:00Z")
            if qualifiers or additional:
                extensions = _e(si, "ServiceInformationExtensions")
                if qualifiers:
                    ext = _e(extensions, "Extension", Critical="true")
                    element = _e(_e(ext, "Qualifications", ns=SIE), "QualificationElement", ns=SIE)
                    holder_q = _e(element, "Qualifiers", ns=SIE)
                    for q in qualifiers:
                        _e(holder_q, "Qualifier", ns=SIE, uri=SVC + "SvcInfoExt/" + q)
                    _e(element, "CriteriaList", ns=SIE, assert_="all")
                for uri in additional:
                    ext = _e(extensions, "Extension", Critical="false")
                    _e(
                        _e(ext, "AdditionalServiceInformation"),
                        "URI",
                        SVC + "SvcInfoExt/" + uri,
                        **lang,
                    )
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8").replace(
        b"assert_=", b"assert="
    )
    return sign_enveloped(xml, key=signer.signing_key, cert_chain=[signer.cert])


QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")


def _qc_statements(*, sscd: bool) -> bytes:
    """DER of QCStatements: QcCompliance, QcType esign and, if asked, QcSSCD."""
    compliance = bytes.fromhex("3008060604008e460101")
    qc_type = bytes.fromhex("3013060604008e4601063009060704008e46010601")
    qc_sscd = bytes.fromhex("3008060604008e460104")
    body = compliance + qc_type + (qc_sscd if sscd else b"")
    return bytes([0x30, len(body)]) + body


def _qualified_signer(pki, *, sscd: bool):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Ewa Qualified")]))
        .issuer_name(pki.ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.ca.cert.public_key()),
            critical=False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{pki.base_url}/ca.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.UnrecognizedExtension(QC_STATEMENTS, _qc_statements(sscd=sscd)), critical=False
        )
        .sign(pki.ca.key, hashes.SHA256())
    )
    return sign_enveloped(BASE, key=SoftwareKey(key), cert_chain=[cert])


@pytest.fixture
def lists(pki, tmp_path, settings):
    services.reset_environment()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = ""
    settings.SIGNATURES_EXTRA_CERTIFICATES_PROVIDER = ""
    oj, key2, key3 = (pki.issue(f"EU LOTL signer {n}") for n in (1, 2, 3))
    pl_signer = pki.issue("PL TL signer")
    eu = LOTL_TYPE
    pl_type = SVC + "TSLType/EUgeneric"
    pivot10 = build_list(
        territory="EU", sequence=10, signer=oj, lotl=True, pointers=[("EU", eu, [key2.cert])]
    )
    pivot20 = build_list(
        territory="EU", sequence=20, signer=key2, lotl=True, pointers=[("EU", eu, [key3.cert])]
    )
    lotl = build_list(
        territory="EU",
        sequence=30,
        signer=key3,
        lotl=True,
        pointers=[("EU", eu, [key3.cert]), ("PL", pl_type, [pl_signer.cert])],
        scheme_uris=[PIVOT_BASE + "eu-lotl-pivot-20.xml", PIVOT_BASE + "eu-lotl-pivot-10.xml"],
    )

    def pl_list(sequence=100, status=GRANTED, qualifiers=("QCStatement",), signer=pl_signer):
        return build_list(
            territory="PL",
            sequence=sequence,
            signer=signer,
            services=[
                ("Qualified CA", pki.ca.cert, status, list(qualifiers), ["ForeSignatures"]),
                ("Withdrawn CA", pki.other_root.cert, WITHDRAWN, [], []),
            ],
        )

    files = {
        "eu-lotl-pivot-10.xml": pivot10,
        "eu-lotl-pivot-20.xml": pivot20,
        "eu-lotl.xml": lotl,
        "pl.xml": pl_list(),
        "oj.pem": oj.cert.public_bytes(serialization.Encoding.PEM),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    yield {"dir": tmp_path, "pl_list": pl_list, "key3": key3, "oj": oj}
    services.reset_environment()


def _import(
    d, *, pivots=("eu-lotl-pivot-10.xml", "eu-lotl-pivot-20.xml"), tl="pl.xml", lotl="eu-lotl.xml"
):
    args = ["import_trusted_lists", "--lotl", str(d / lotl), "--oj-cert", str(d / "oj.pem")]
    for pivot in pivots:
        args += ["--pivot", str(d / pivot)]
    args += ["--tl", str(d / tl)]
    call_command(*args)


def test_built_lists_follow_the_ts_119_612_schema(lists) -> None:
    schema = schemas.load(schemas.TRUSTED_LIST)
    for name in ("eu-lotl.xml", "eu-lotl-pivot-10.xml", "pl.xml"):
        tree = parse_own((lists["dir"] / name).read_bytes()).getroottree()
        assert schema.validate(tree), (name, schema.error_log)


def test_lotl_through_pivots_imports_polish_qualified_services(lists, pki) -> None:
    _import(lists["dir"])
    rows = TrustedCertificate.objects.filter(source="trusted_list", active=True)
    assert [(r.label, r.territory, r.tl_qualifiers, r.tl_additional) for r in rows] == [
        ("PL: Qualified CA", "PL", "QCStatement", "ForeSignatures")
    ]
    services.forget_validation_policy()
    # A QC with QcSSCD under the listed CA: a qualified electronic signature.
    report = services.validate(_qualified_signer(pki, sscd=True))
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].qualification == "QESig"
    quality = etree.fromstring(etsi_validation_report(report=report)).findtext(
        f".//{{{VR}}}SignatureQualityInformation"
    )
    assert quality == "urn:cef:dss:signatureQualification:QESig"
    # Without a QSCD: advanced signature with a qualified certificate.
    assert services.validate(_qualified_signer(pki, sscd=False)).signatures[0].qualification == (
        "AdESig-QC"
    )


def test_service_qualifiers_decide_the_qscd(lists, pki) -> None:
    d = lists["dir"]
    (d / "pl.xml").write_bytes(lists["pl_list"](qualifiers=("QCStatement", "QCWithQSCD")))
    _import(d)
    services.forget_validation_policy()
    report = services.validate(_qualified_signer(pki, sscd=False))
    assert report.signatures[0].qualification == "QESig"


def test_anchor_not_on_a_trusted_list_gives_ades(pki, settings) -> None:
    services.reset_environment()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = ""
    services.trusted_certificate_add(
        certificate=pki.ca.der, label="Manually trusted CA", actor=None
    )
    report = services.validate(_qualified_signer(pki, sscd=True))
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].qualification == "AdES"
    services.reset_environment()


def test_lotl_without_its_pivots_is_refused(lists) -> None:
    with pytest.raises(CommandError, match="pinned"):
        _import(lists["dir"], pivots=())
    assert not TrustedCertificate.objects.filter(source="trusted_list").exists()


def test_pivot_chain_must_hold(lists, pki) -> None:
    d = lists["dir"]
    # A pivot signed by a key the previous pivot did not announce.
    rogue = pki.issue("Rogue signer")
    forged = build_list(
        territory="EU",
        sequence=20,
        signer=rogue,
        lotl=True,
        pointers=[("EU", LOTL_TYPE, [lists["key3"].cert])],
    )
    (d / "eu-lotl-pivot-20.xml").write_bytes(forged)
    with pytest.raises(CommandError, match="pinned"):
        _import(d)


def test_pivot_must_be_named_by_the_lotl(lists) -> None:
    d = lists["dir"]
    (d / "renamed-pivot.xml").write_bytes((d / "eu-lotl-pivot-20.xml").read_bytes())
    with pytest.raises(CommandError, match="does not name pivot"):
        _import(d, pivots=("eu-lotl-pivot-10.xml", "renamed-pivot.xml"))


def test_member_list_must_be_signed_by_the_key_the_lotl_gives(lists, pki) -> None:
    d = lists["dir"]
    (d / "pl.xml").write_bytes(lists["pl_list"](signer=pki.issue("Other PL signer")))
    with pytest.raises(CommandError, match="pinned"):
        _import(d)
    tampered = lists["pl_list"]().replace(WITHDRAWN.encode(), GRANTED.encode())
    (d / "pl.xml").write_bytes(tampered)
    with pytest.raises(CommandError, match="rejected"):
        _import(d)
    assert not TrustedCertificate.objects.filter(source="trusted_list").exists()


def test_territory_without_a_pointer_is_refused(lists, pki) -> None:
    d = lists["dir"]
    de = build_list(territory="DE", sequence=5, signer=pki.issue("DE signer"))
    (d / "de.xml").write_bytes(de)
    with pytest.raises(CommandError, match="no entry for 'DE'"):
        _import(d, tl="de.xml")


def test_reimport_deactivates_services_no_longer_granted(lists) -> None:
    d = lists["dir"]
    _import(d)
    (d / "pl.xml").write_bytes(lists["pl_list"](sequence=101, status=WITHDRAWN))
    _import(d)
    row = TrustedCertificate.objects.get(source="trusted_list")
    assert not row.active
    (d / "pl.xml").write_bytes(lists["pl_list"](sequence=99))
    with pytest.raises(CommandError, match="Older"):
        _import(d)
