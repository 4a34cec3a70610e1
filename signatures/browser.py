"""Signing in the browser with the key made at the SEKAP certificate enrolment (certauth keeps
it non-extractable in the browser's IndexedDB): the server builds the enveloped XAdES
signature around the holder's certificate and hands the canonical SignedInfo to the browser,
which signs it (ECDSA P-256, SHA-256, r||s) and posts the value back.

The one implementation shared by the citizen's application (portal) and the official's
decision (documents): ``key_id``, ``prepare``, ``value_matches``, ``complete`` and
``same_document`` (is a signed file exactly the prepared document with signatures added?).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted

from .constants import DS

PLACEHOLDER = bytes(64)
DS_SIGNATURE = f"{{{DS}}}Signature"
# The largest document compared: a form document with its attachments inline (as the forms
# platform accepts it).
MAX_DOCUMENT = 80 * 1024 * 1024


class _CapturingKey:
    """Stands in for the browser's P-256 key: records what is to be signed."""

    key_type = "ec"
    curve_bytes = 32

    def __init__(self) -> None:
        self.octets = b""

    def sign(self, data: bytes) -> bytes:
        self.octets = data
        return PLACEHOLDER


def key_id(der: bytes) -> str:
    """The id under which certauth's enrolment script keeps the key in IndexedDB (the first
    16 bytes of the SHA-256 of the certificate's SubjectPublicKeyInfo, in hex)."""
    spki = (
        x509.load_der_x509_certificate(bytes(der))
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return hashlib.sha256(spki).digest()[:16].hex()


def prepare(document: bytes, *, chain: list[bytes]) -> tuple[bytes, bytes]:
    """The document with an XAdES B-B signature whose value is a placeholder, and the octets
    (canonical SignedInfo) the browser must sign. ``chain``: DER, the signer's first."""
    from .services import sign_enveloped

    key = _CapturingKey()
    pending = sign_enveloped(
        bytes(document),
        key=key,
        cert_chain=[x509.load_der_x509_certificate(der) for der in chain],
        level="B-B",
    )
    return pending, key.octets


def value_matches(*, certificate_der: bytes, octets: bytes, signature_value: bytes) -> bool:
    """Whether ``signature_value`` (r||s, 64 bytes) signs ``octets`` with the certificate's
    P-256 key."""
    if len(signature_value) != 64:
        return False
    public_key = x509.load_der_x509_certificate(bytes(certificate_der)).public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    r = int.from_bytes(signature_value[:32], "big")
    s = int.from_bytes(signature_value[32:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), bytes(octets), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def complete(pending: bytes, *, signature_value: bytes) -> bytes | None:
    """The signed document: the placeholder replaced by the browser's value (None when the
    prepared signature does not hold exactly one placeholder)."""
    placeholder = base64.b64encode(PLACEHOLDER)
    pending = bytes(pending)
    if pending.count(placeholder) != 1:
        return None
    return pending.replace(placeholder, base64.b64encode(signature_value))


class NotSignedDocument(ValueError):
    """The file carries no enveloped signature."""


def _parse(xml_bytes: bytes) -> etree._Element:
    limits = ParseLimits(max_bytes=MAX_DOCUMENT, long_text=True)
    return parse_untrusted(bytes(xml_bytes), limits=limits).root


def _normalized(root: etree._Element) -> bytes:
    """Canonical XML, ignoring whitespace-only text between the top-level elements."""
    if root.text is not None and not root.text.strip():
        root.text = None
    for child in root:
        if child.tail is not None and not child.tail.strip():
            child.tail = None
    return etree.tostring(root, method="c14n2", with_comments=False)


def same_document(prepared: bytes, signed: bytes) -> bool:
    """True when ``signed`` is ``prepared`` with enveloped ``ds:Signature`` elements added.
    Raises :class:`NotSignedDocument` when it has none, ``XmlRejected`` when either is not
    acceptable XML."""
    root = _parse(signed)
    signatures = [child for child in root if child.tag == DS_SIGNATURE]
    if not signatures:
        raise NotSignedDocument()
    for signature in signatures:
        if signature.tail is not None and signature.tail.strip():
            return False
        root.remove(signature)  # lxml removes the element's tail with it
    return _normalized(root) == _normalized(_parse(prepared))


__all__ = [
    "PLACEHOLDER",
    "NotSignedDocument",
    "XmlRejected",
    "complete",
    "key_id",
    "prepare",
    "same_document",
    "value_matches",
]
