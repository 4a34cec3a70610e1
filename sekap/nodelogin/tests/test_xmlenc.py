"""ECDH-ES assertion encryption and ECDSA signatures, as the national node uses them.

Our XML Encryption 1.1 code (``sekap.nodelogin.xmlenc``) is checked against an independent
implementation: libxmlsec 1.3 (bundled with the ``xmlsec`` Python package; the xmlsec1 program
here is 1.2 and has no key agreement). The ECDSA signatures of the fake node are checked with
signxml, which shares no code with xmlsec1.
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLVerifier

from sekap.nodelogin import xmlenc
from sekap.nodelogin.fake import node
from sekap.xmlsafe import parse_untrusted

from .support import ANNA, SAML_NS, begin, finish

PLAINTEXT = b'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a">x'
PLAINTEXT += b"</saml:Assertion>"
PARAMS = xmlenc.KdfParams.node_style(
    wrap_algorithm=xmlenc.XENC + "kw-aes256", sender="node.test", recipient="https://sp.test/"
)


@pytest.fixture(scope="module")
def recipient() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sp.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _pem(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def libxmlsec_decrypt(encrypted: etree._Element, private_key) -> bytes:
    """Decrypt with libxmlsec 1.3. It reads no KeyValue (disabled by default since 1.3), so the
    ephemeral public key is handed to it by name, as its own tests do, and it is told which of
    its keys is the recipient's (the node names none)."""
    data = etree.fromstring(etree.tostring(encrypted))
    key_value = data.find(f".//{{{xmlenc.DS11}}}PublicKey")
    originator = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), base64.b64decode(key_value.text)
    )
    info = data.find(f".//{{{xmlenc.XENC}}}OriginatorKeyInfo")
    for child in list(info):
        info.remove(child)
    etree.SubElement(info, f"{{{xmlenc.DS}}}KeyName").text = "originator"
    recipient_info = etree.SubElement(info.getparent(), f"{{{xmlenc.XENC}}}RecipientKeyInfo")
    etree.SubElement(recipient_info, f"{{{xmlenc.DS}}}KeyName").text = "recipient"
    manager = xmlsec.KeysManager()
    mine = xmlsec.Key.from_memory(_pem(private_key), xmlsec.constants.KeyDataFormatPem)
    mine.name = "recipient"
    manager.add_key(mine)
    theirs = xmlsec.Key.from_memory(_pem(originator), xmlsec.constants.KeyDataFormatPem)
    theirs.name = "originator"
    manager.add_key(theirs)
    result = xmlsec.EncryptionContext(manager).decrypt(data)
    return etree.tostring(result) if not isinstance(result, bytes) else result


def test_libxmlsec_decrypts_what_we_encrypt_by_the_xmlenc11_reading(recipient):
    key, cert = recipient
    encrypted = xmlenc.encrypt(
        plaintext=PLAINTEXT, recipient=cert, params=PARAMS, fixed_info=xmlenc.FIXED_INFO_XMLENC11
    )
    assert b">x</saml:Assertion>" in libxmlsec_decrypt(encrypted, key)
    again = xmlenc.decrypt(
        encrypted_data=encrypted, private_key=key, fixed_info=xmlenc.FIXED_INFO_XMLENC11
    )
    assert again == PLAINTEXT


def test_the_nodes_reading_is_the_xmlenc11_one_with_the_leading_octet_kept(recipient):
    """What the node derives over values V, XML Enc 1.1 derives over "00" + V: libxmlsec
    decrypts our node-style encryption once each value carries that extra octet, and not
    before (so this test can fail)."""
    key, cert = recipient
    encrypted = xmlenc.encrypt(
        plaintext=PLAINTEXT, recipient=cert, params=PARAMS, fixed_info=xmlenc.FIXED_INFO_NODE
    )
    with pytest.raises(xmlsec.Error):
        libxmlsec_decrypt(encrypted, key)
    params = encrypted.find(f".//{{{xmlenc.XENC11}}}ConcatKDFParams")
    for name in ("AlgorithmID", "PartyUInfo", "PartyVInfo"):
        params.set(name, "00" + params.get(name))
    assert b">x</saml:Assertion>" in libxmlsec_decrypt(encrypted, key)


def test_the_node_style_values_are_length_prefixed():
    assert PARAMS.algorithm_id.startswith("0000002A")  # 42 octets of the kw-aes256 URI
    assert bytes.fromhex(PARAMS.party_u_info) == b"\x00\x00\x00\x09node.test"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("tag", "data.tag"),
        ("wrapped_key", "key.unwrap"),
        ("point", "agreement.originator_point"),
        ("curve", "agreement.curve"),
        ("kdf", "kdf.params"),
        ("algorithm", "data.algorithm"),
    ],
)
def test_a_damaged_encryption_is_refused_with_its_reason(recipient, damage, reason):
    key, cert = recipient
    encrypted = xmlenc.encrypt(plaintext=PLAINTEXT, recipient=cert, params=PARAMS)
    values = encrypted.findall(f".//{{{xmlenc.XENC}}}CipherValue")
    if damage == "tag":
        blob = bytearray(base64.b64decode(values[1].text))
        blob[-1] ^= 1
        values[1].text = base64.b64encode(bytes(blob)).decode()
    elif damage == "wrapped_key":
        blob = bytearray(base64.b64decode(values[0].text))
        blob[3] ^= 1
        values[0].text = base64.b64encode(bytes(blob)).decode()
    elif damage == "point":
        point = encrypted.find(f".//{{{xmlenc.DS11}}}PublicKey")
        raw = bytearray(base64.b64decode(point.text))
        raw[-1] ^= 1  # no longer on the curve (invalid-curve attack)
        point.text = base64.b64encode(bytes(raw)).decode()
    elif damage == "curve":
        encrypted.find(f".//{{{xmlenc.DS11}}}NamedCurve").set("URI", "urn:oid:1.3.132.0.34")
    elif damage == "kdf":
        encrypted.find(f".//{{{xmlenc.XENC11}}}ConcatKDFParams").attrib.pop("PartyVInfo")
    else:
        encrypted.find(f"{{{xmlenc.XENC}}}EncryptionMethod").set(
            "Algorithm", "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
        )
    with pytest.raises(xmlenc.XmlEncRefused) as refused:
        xmlenc.decrypt(encrypted_data=encrypted, private_key=key)
    assert refused.value.reason == reason


def test_another_recipients_key_cannot_decrypt(recipient):
    _key, cert = recipient
    encrypted = xmlenc.encrypt(plaintext=PLAINTEXT, recipient=cert, params=PARAMS)
    with pytest.raises(xmlenc.XmlEncRefused) as refused:
        xmlenc.decrypt(
            encrypted_data=encrypted, private_key=ec.generate_private_key(ec.SECP256R1())
        )
    assert refused.value.reason == "key.unwrap"


@pytest.mark.django_db
def test_the_fake_node_signs_with_ecdsa_and_encrypts_by_ecdh_es(client):
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA)
    root = parse_untrusted(response.encode()).root
    assert root.find(f"{{{SAML_NS}}}Assertion") is None
    data = root.find(f"{{{SAML_NS}}}EncryptedAssertion/{{{xmlenc.XENC}}}EncryptedData")
    methods = {el.get("Algorithm") for el in data.iter(f"{{{xmlenc.XENC}}}EncryptionMethod")}
    assert methods == {xmlenc.XENC11 + "aes256-gcm", xmlenc.XENC + "kw-aes256"}
    agreement = data.find(f".//{{{xmlenc.XENC}}}AgreementMethod")
    assert agreement.get("Algorithm") == xmlenc.ECDH_ES
    kdf = agreement.find(f"{{{xmlenc.XENC11}}}KeyDerivationMethod")
    assert kdf.get("Algorithm") == xmlenc.CONCAT_KDF
    # The artifact response and the metadata are ECDSA-SHA256 signatures, valid for signxml.
    node_cert = node.node_keys()[1].read_text()
    metadata = node.metadata_xml().encode()
    assert b"xmldsig-more#ecdsa-sha256" in metadata
    XMLVerifier().verify(metadata, x509_cert=node_cert, expect_config=_ecdsa())
    answer = node.artifact_response_xml(in_response_to="_r", response=response)
    XMLVerifier().verify(answer.encode(), x509_cert=node_cert, expect_config=_ecdsa())
    # The attributes as the node writes them: its FriendlyNames, eIDAS-typed values (pysaml2
    # loses the prefix of such a type unless sekap.nodelogin.pysaml2_compat re-declares it).
    clear = node.response_xml(pending=pending, person=ANNA, encrypt=False)
    attributes = {
        a.get("FriendlyName"): a.find(f"{{{SAML_NS}}}AttributeValue")
        for a in parse_untrusted(clear.encode()).root.iter(f"{{{SAML_NS}}}Attribute")
    }
    assert set(attributes) == {"PersonIdentifier", "FirstName", "FamilyName", "DateOfBirth"}
    xsi_type = "{http://www.w3.org/2001/XMLSchema-instance}type"
    assert attributes["FirstName"].get(xsi_type) == "naturalperson:CurrentGivenNameType"
    assert attributes["FirstName"].nsmap["naturalperson"] == node.NATURAL_PERSON_NS
    # And the platform logs Anna in from it.
    assert finish(client, pending, relay, response).status_code == 302


def _ecdsa():
    from signxml import SignatureConfiguration, SignatureMethod

    return SignatureConfiguration(signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}))


@pytest.mark.django_db
def test_rsa_keys_still_work_as_configuration(client, settings):
    settings.NODELOGIN_KEY_ALGORITHM = "rsa"
    pending, relay = begin(client)
    response = node.response_xml(pending=pending, person=ANNA)
    assert xmlenc.ECDH_ES not in response
    assert "rsa-oaep" in response
    assert "xmldsig-more#rsa-sha256" in node.metadata_xml()
    answer = finish(client, pending, relay, response)
    assert answer.status_code == 302
    assert answer["Location"] == "/konto/login-gov-pl/nowe-konto/"


def test_pysaml2_keeps_the_eidas_prefix_of_a_typed_value():
    """pysaml2 checks a signed element's schema on its own re-serialisation; without the
    adaptation the ``naturalperson`` prefix comes out unbound and the node's assertion fails."""
    from saml2 import saml as pysaml2_saml

    value = pysaml2_saml.attribute_value_from_string(
        '<saml:AttributeValue xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xmlns:naturalperson="{node.NATURAL_PERSON_NS}" '
        'xsi:type="naturalperson:PersonIdentifierType">85031204120</saml:AttributeValue>'
    )
    again = parse_untrusted(str(value).encode()).root
    assert again.nsmap["naturalperson"] == node.NATURAL_PERSON_NS
