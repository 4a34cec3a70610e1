"""XML Encryption 1.1 with ECDH-ES key agreement, where xmlsec1 1.2 stops.

The national node encrypts the assertion as W3C XML Encryption 1.1 describes it: the content
with AES-GCM (``CipherValue`` = 12-byte IV || ciphertext || 16-byte tag), the content key
wrapped with AES key wrap (RFC 3394) under a key-encryption key agreed by ECDH-ES (an ephemeral
key of the sender and the static EC key of the recipient, §5.6.2) and derived with ConcatKDF
(NIST SP 800-56A §5.8.1 as profiled in §5.4.1: ``OtherInfo`` = AlgorithmID || PartyUInfo ||
PartyVInfo, each given as a hexBinary attribute of ``ConcatKDFParams``).

How those attributes become ``OtherInfo`` comes in two readings (``fixed_info``):

* ``xmlenc11``: as XML Encryption 1.1 says (and xmlsec 1.3 does), each value is a bit string
  whose first octet counts the padding bits of its last octet; that octet is dropped.
* ``node``: as the national node does: its values are SP 800-56A's ``Datalen || Data`` (a
  4-octet length, then the bytes: ``0000002A`` + the 42 octets of the kw-aes256 URI) and the
  whole decoded octets are concatenated, leading zero octet included; the integrators' clients
  that work with the node derive the key that way.

The two differ only by that octet: ``node`` over values V equals ``xmlenc11`` over ``"00" + V``
(the interoperability test relies on it).

:func:`decrypt` reads an ``EncryptedData`` from a tree the hardened parser
(:mod:`sekap.xmlsafe`) produced and returns the plaintext bytes; :func:`encrypt` builds one (the
fake node). Only byte strings (no padding bits), NIST P-256/384/521 and the algorithms below are
accepted; anything else is :class:`XmlEncRefused` with a stable reason.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from lxml import etree

XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
DS = "http://www.w3.org/2000/09/xmldsig#"
DS11 = "http://www.w3.org/2009/xmldsig11#"

ECDH_ES = XENC11 + "ECDH-ES"
CONCAT_KDF = XENC11 + "ConcatKDF"
TYPE_ELEMENT = XENC + "Element"

CONTENT_ALGORITHMS = {XENC11 + f"aes{bits}-gcm": bits // 8 for bits in (128, 192, 256)}
WRAP_ALGORITHMS = {XENC + f"kw-aes{bits}": bits // 8 for bits in (128, 192, 256)}
DIGESTS = {
    XENC + "sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#sha384": hashes.SHA384,
    XENC + "sha512": hashes.SHA512,
}
CURVES = {
    "urn:oid:1.2.840.10045.3.1.7": ec.SECP256R1,
    "urn:oid:1.3.132.0.34": ec.SECP384R1,
    "urn:oid:1.3.132.0.35": ec.SECP521R1,
}
CURVE_URIS = {cls.name: uri for uri, cls in CURVES.items()}
FIXED_INFO_NODE = "node"
FIXED_INFO_XMLENC11 = "xmlenc11"
FIXED_INFO_READINGS = (FIXED_INFO_NODE, FIXED_INFO_XMLENC11)
GCM_IV_BYTES = 12
GCM_TAG_BYTES = 16


class XmlEncRefused(Exception):
    """The encrypted element cannot be decrypted; ``reason`` is stable, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class KdfParams:
    """ConcatKDF's fixed input, each as the hexBinary attribute value of ConcatKDFParams."""

    algorithm_id: str
    party_u_info: str
    party_v_info: str
    digest: str = XENC + "sha256"

    @classmethod
    def node_style(cls, *, wrap_algorithm: str, sender: str, recipient: str) -> KdfParams:
        """The values as the national node writes them: each ``Datalen || Data``."""

        def length_prefixed(text: str) -> str:
            data = text.encode("utf-8")
            return (len(data).to_bytes(4, "big") + data).hex().upper()

        return cls(
            algorithm_id=length_prefixed(wrap_algorithm),
            party_u_info=length_prefixed(sender),
            party_v_info=length_prefixed(recipient),
        )


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _one(parent: etree._Element, ns: str, name: str, reason: str) -> etree._Element:
    found = parent.findall(_q(ns, name))
    if len(found) != 1:
        raise XmlEncRefused(reason)
    return found[0]


def _b64(element: etree._Element, reason: str) -> bytes:
    try:
        return base64.b64decode("".join((element.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise XmlEncRefused(reason) from exc


def _algorithm(element: etree._Element, known: dict, reason: str):
    value = _one(element, XENC, "EncryptionMethod", reason).get("Algorithm", "")
    if value not in known:
        raise XmlEncRefused(reason)
    return known[value]


def fixed_info_part(value: str, fixed_info: str) -> bytes:
    """A ConcatKDFParams attribute as the bytes it adds to OtherInfo (see the module's text).
    Either reading needs the first octet to be zero (no padding bits)."""
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise XmlEncRefused("kdf.params") from exc
    if not raw or raw[0] != 0:
        raise XmlEncRefused("kdf.params")
    if fixed_info == FIXED_INFO_NODE:
        return raw
    if fixed_info == FIXED_INFO_XMLENC11:
        return raw[1:]
    raise ValueError(f"fixed_info must be one of {FIXED_INFO_READINGS}, not {fixed_info!r}")


def concat_kdf(*, shared_secret: bytes, length: int, params: KdfParams, fixed_info: str) -> bytes:
    """SP 800-56A ConcatKDF over Z with OtherInfo built from ``params`` (XML Enc 1.1 §5.4.1)."""
    if params.digest not in DIGESTS:
        raise XmlEncRefused("kdf.digest")
    other_info = b"".join(
        fixed_info_part(v, fixed_info)
        for v in (params.algorithm_id, params.party_u_info, params.party_v_info)
    )
    kdf = ConcatKDFHash(algorithm=DIGESTS[params.digest](), length=length, otherinfo=other_info)
    return kdf.derive(shared_secret)


def _kdf_params(agreement: etree._Element) -> KdfParams:
    method = _one(agreement, XENC11, "KeyDerivationMethod", "kdf.missing")
    if method.get("Algorithm") != CONCAT_KDF:
        raise XmlEncRefused("kdf.algorithm")
    params = _one(method, XENC11, "ConcatKDFParams", "kdf.params")
    if params.get("SuppPubInfo") or params.get("SuppPrivInfo"):
        raise XmlEncRefused("kdf.params")
    digest = _one(params, DS, "DigestMethod", "kdf.digest").get("Algorithm", "")
    values = [params.get(name) for name in ("AlgorithmID", "PartyUInfo", "PartyVInfo")]
    if not all(values):  # SP 800-56A: all three are required
        raise XmlEncRefused("kdf.params")
    algorithm_id, party_u_info, party_v_info = values
    return KdfParams(
        algorithm_id=algorithm_id,
        party_u_info=party_u_info,
        party_v_info=party_v_info,
        digest=digest,
    )


def _originator_key(
    agreement: etree._Element, curve: ec.EllipticCurve
) -> ec.EllipticCurvePublicKey:
    info = _one(agreement, XENC, "OriginatorKeyInfo", "agreement.originator")
    value = _one(info, DS, "KeyValue", "agreement.originator")
    ec_value = _one(value, DS11, "ECKeyValue", "agreement.originator")
    named = _one(ec_value, DS11, "NamedCurve", "agreement.curve").get("URI", "")
    if CURVES.get(named) is not type(curve):
        raise XmlEncRefused("agreement.curve")
    point = _b64(_one(ec_value, DS11, "PublicKey", "agreement.originator"), "agreement.originator")
    try:
        # Checks that the point is on the curve (an invalid-curve attack fails here).
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError as exc:
        raise XmlEncRefused("agreement.originator_point") from exc


def _key_encryption_key(
    agreement: etree._Element, private_key: ec.EllipticCurvePrivateKey, length: int, fixed_info: str
) -> bytes:
    if agreement.get("Algorithm") != ECDH_ES:
        raise XmlEncRefused("agreement.algorithm")
    params = _kdf_params(agreement)
    originator = _originator_key(agreement, private_key.curve)
    shared = private_key.exchange(ec.ECDH(), originator)
    return concat_kdf(shared_secret=shared, length=length, params=params, fixed_info=fixed_info)


def _content_key(
    encrypted_data: etree._Element, private_key: ec.EllipticCurvePrivateKey, fixed_info: str
) -> bytes:
    key_info = _one(encrypted_data, DS, "KeyInfo", "key.missing")
    encrypted_key = _one(key_info, XENC, "EncryptedKey", "key.missing")
    kek_length = _algorithm(encrypted_key, WRAP_ALGORITHMS, "key.wrap_algorithm")
    inner = _one(encrypted_key, DS, "KeyInfo", "agreement.missing")
    agreement = _one(inner, XENC, "AgreementMethod", "agreement.missing")
    kek = _key_encryption_key(agreement, private_key, kek_length, fixed_info)
    wrapped = _cipher_value(encrypted_key, "key.cipher_value")
    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError) as exc:
        raise XmlEncRefused("key.unwrap") from exc


def _cipher_value(element: etree._Element, reason: str) -> bytes:
    data = _one(element, XENC, "CipherData", reason)
    return _b64(_one(data, XENC, "CipherValue", reason), reason)


def decrypt(
    *,
    encrypted_data: etree._Element,
    private_key: ec.EllipticCurvePrivateKey,
    fixed_info: str = FIXED_INFO_NODE,
) -> bytes:
    """The plaintext of an ``xenc:EncryptedData`` encrypted to ``private_key`` by ECDH-ES."""
    if encrypted_data.tag != _q(XENC, "EncryptedData"):
        raise XmlEncRefused("data.missing")
    content_length = _algorithm(encrypted_data, CONTENT_ALGORITHMS, "data.algorithm")
    key = _content_key(encrypted_data, private_key, fixed_info)
    if len(key) != content_length:
        raise XmlEncRefused("key.length")
    blob = _cipher_value(encrypted_data, "data.cipher_value")
    if len(blob) < GCM_IV_BYTES + GCM_TAG_BYTES:
        raise XmlEncRefused("data.cipher_value")
    try:
        return AESGCM(key).decrypt(blob[:GCM_IV_BYTES], blob[GCM_IV_BYTES:], None)
    except InvalidTag as exc:
        raise XmlEncRefused("data.tag") from exc


# --- the sender's side (the fake node) ------------------------------------------------------


def _id() -> str:
    return "_" + os.urandom(16).hex()


def _sub(parent: etree._Element, ns: str, name: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, _q(ns, name), attrs)


def encrypt(
    *,
    plaintext: bytes,
    recipient: x509.Certificate,
    params: KdfParams,
    fixed_info: str = FIXED_INFO_NODE,
    content_bits: int = 256,
    wrap_bits: int = 256,
) -> etree._Element:
    """An ``xenc:EncryptedData`` (Type Element) of ``plaintext`` for ``recipient``'s EC key:
    a fresh ephemeral key per message, ConcatKDF, AES key wrap, AES-GCM (laid out as the
    national node does; no RecipientKeyInfo)."""
    public = recipient.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise XmlEncRefused("recipient.not_ec")
    ephemeral = ec.generate_private_key(public.curve)
    kek = concat_kdf(
        shared_secret=ephemeral.exchange(ec.ECDH(), public),
        length=wrap_bits // 8,
        params=params,
        fixed_info=fixed_info,
    )
    content_key = AESGCM.generate_key(bit_length=content_bits)
    iv = os.urandom(GCM_IV_BYTES)
    blob = iv + AESGCM(content_key).encrypt(iv, plaintext, None)

    nsmap = {"xenc": XENC, "xenc11": XENC11, "ds": DS, "dsig11": DS11}
    data = etree.Element(
        _q(XENC, "EncryptedData"), {"Id": _id(), "Type": TYPE_ELEMENT}, nsmap=nsmap
    )
    _sub(data, XENC, "EncryptionMethod", Algorithm=f"{XENC11}aes{content_bits}-gcm")
    encrypted_key = _sub(_sub(data, DS, "KeyInfo"), XENC, "EncryptedKey", Id=_id())
    _sub(encrypted_key, XENC, "EncryptionMethod", Algorithm=f"{XENC}kw-aes{wrap_bits}")
    agreement = _sub(_sub(encrypted_key, DS, "KeyInfo"), XENC, "AgreementMethod", Algorithm=ECDH_ES)
    derivation = _sub(agreement, XENC11, "KeyDerivationMethod", Algorithm=CONCAT_KDF)
    kdf = _sub(
        derivation,
        XENC11,
        "ConcatKDFParams",
        AlgorithmID=params.algorithm_id,
        PartyUInfo=params.party_u_info,
        PartyVInfo=params.party_v_info,
    )
    _sub(kdf, DS, "DigestMethod", Algorithm=params.digest)
    key_value = _sub(
        _sub(_sub(agreement, XENC, "OriginatorKeyInfo"), DS, "KeyValue"), DS11, "ECKeyValue"
    )
    _sub(key_value, DS11, "NamedCurve", URI=CURVE_URIS[public.curve.name])
    _sub(key_value, DS11, "PublicKey").text = base64.b64encode(
        ephemeral.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    ).decode("ascii")
    _sub(_sub(encrypted_key, XENC, "CipherData"), XENC, "CipherValue").text = base64.b64encode(
        aes_key_wrap(kek, content_key)
    ).decode("ascii")
    _sub(_sub(data, XENC, "CipherData"), XENC, "CipherValue").text = base64.b64encode(blob).decode(
        "ascii"
    )
    return data
