"""XMLDSig core: strict structure checks, same-document reference processing, C14N and the
SignatureValue check, done with lxml's C14N and ``cryptography`` (no libxmlsec1 involved).

Only what this module digests is reported as signed; callers receive the verified elements.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from lxml import etree

from sekap.xmlsafe import ParsedDocument
from signatures.constants import (
    C14N_10,
    C14N_METHODS,
    DIGESTS,
    DS,
    SIGNATURE_METHODS,
    SIGNED_PROPERTIES_TYPE,
    TRANSFORM_ENVELOPED,
    TRANSFORM_XPATH,
    XML_NS,
    XPATH_NOT_SIGNATURE,
)
from signatures.report import Indication, SubIndication
from signatures.work import WorkBudget

MAX_REFERENCES = 12
MAX_TRANSFORMS = 4

_DS = f"{{{DS}}}"
_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


class SignatureFailure(Exception):
    """Ends the validation of one signature with an ETSI indication."""

    def __init__(self, indication: str, sub_indication: str | None, code: str, message: str):
        super().__init__(message)
        self.indication = indication
        self.sub_indication = sub_indication
        self.code = code
        self.message = message


def format_failure(code: str, message: str) -> SignatureFailure:
    return SignatureFailure(Indication.TOTAL_FAILED, SubIndication.FORMAT_FAILURE, code, message)


@dataclass
class ReferenceSpec:
    element: etree._Element
    uri: str
    type: str | None
    id: str | None
    transforms: list[str]
    c14n: str | None
    inclusive_prefixes: list[str] | None
    digest_name: str
    digest_uri: str
    digest_value: bytes


@dataclass
class SignatureParts:
    element: etree._Element
    id: str | None
    signed_info: etree._Element
    c14n_method: str
    c14n_prefixes: list[str] | None
    signature_method: str
    key_type: str
    hash_name: str
    references: list[ReferenceSpec]
    signature_value: bytes
    signature_value_element: etree._Element
    key_info: etree._Element | None
    objects: list[etree._Element]


@dataclass
class VerifiedReference:
    uri: str
    type: str | None
    target: etree._Element | None  # the verified element (document root for URI="")
    whole_document: bool
    detached: bool
    digest_name: str
    transforms: list[str] = field(default_factory=list)
    octets: bytes = b""  # exactly what was digested


def _local(el: etree._Element) -> str:
    tag = el.tag
    return tag if isinstance(tag, str) else ""


def _element_children(el: etree._Element) -> list[etree._Element]:
    """Element children; comments and PIs are skipped, any non-blank text is refused."""
    text = el.text
    if text and len(el) and not text.isspace():
        raise format_failure("dsig.structure", f"Unexpected text in {_local(el)}.")
    children = []
    for child in el:
        tail = child.tail
        if tail and not tail.isspace():
            raise format_failure("dsig.structure", f"Unexpected text in {_local(el)}.")
        tag = child.tag
        if isinstance(tag, str):
            children.append(child)
        elif tag is not etree.Comment and tag is not etree.ProcessingInstruction:
            raise format_failure("dsig.structure", "Unexpected node in signature structure.")
    return children


def b64decode_strict(text: str | None, what: str) -> bytes:
    cleaned = "".join((text or "").split())
    if not cleaned:
        raise format_failure("dsig.base64", f"{what} is empty.")
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise format_failure("dsig.base64", f"{what} is not valid base64.") from None


def _inclusive_prefixes(method_el: etree._Element) -> list[str] | None:
    prefixes = None
    for child in method_el:
        if child.tag == "{http://www.w3.org/2001/10/xml-exc-c14n#}InclusiveNamespaces":
            prefixes = [p for p in (child.get("PrefixList") or "").split() if p != "#default"]
    return prefixes


def parse_signature(sig: etree._Element, *, max_references: int = MAX_REFERENCES) -> SignatureParts:
    """Format checks of one ds:Signature (FC building block, XMLDSig part)."""
    children = _element_children(sig)
    tags = [c.tag for c in children]
    if len(tags) < 2 or tags[0] != _DS + "SignedInfo" or tags[1] != _DS + "SignatureValue":
        raise format_failure(
            "dsig.structure", "Signature must start with SignedInfo, SignatureValue."
        )
    rest = tags[2:]
    if rest and rest[0] == _DS + "KeyInfo":
        key_info = children[2]
        rest = rest[1:]
        objects = children[3:]
    else:
        key_info = None
        objects = children[2:]
    if any(t != _DS + "Object" for t in rest):
        raise format_failure("dsig.structure", "Unexpected element in Signature.")
    signed_info, sv_el = children[0], children[1]
    si_children = _element_children(signed_info)
    if len(si_children) < 3:
        raise format_failure("dsig.structure", "SignedInfo is incomplete.")
    c14n_el, sm_el, *ref_els = si_children
    if c14n_el.tag != _DS + "CanonicalizationMethod" or sm_el.tag != _DS + "SignatureMethod":
        raise format_failure(
            "dsig.structure", "SignedInfo must start with C14N and SignatureMethod."
        )
    c14n = c14n_el.get("Algorithm") or ""
    if c14n not in C14N_METHODS:
        raise format_failure("dsig.c14n", f"Canonicalization method not allowed: {c14n[:100]}")
    sig_method = sm_el.get("Algorithm") or ""
    if sig_method not in SIGNATURE_METHODS:
        raise format_failure("dsig.algorithm", f"Signature method not allowed: {sig_method[:100]}")
    if len(sm_el):
        raise format_failure("dsig.algorithm", "SignatureMethod parameters are not allowed.")
    if not ref_els or any(r.tag != _DS + "Reference" for r in ref_els):
        raise format_failure("dsig.structure", "SignedInfo must contain only References.")
    if len(ref_els) > max_references:
        raise format_failure("dsig.limits", f"More than {max_references} references.")
    key_type, hash_name = SIGNATURE_METHODS[sig_method]
    refs = [_parse_reference(r) for r in ref_els]
    value = b64decode_strict(sv_el.text, "SignatureValue")
    if len(sv_el):
        raise format_failure("dsig.structure", "SignatureValue must hold text only.")
    return SignatureParts(
        element=sig,
        id=sig.get("Id"),
        signed_info=signed_info,
        c14n_method=c14n,
        c14n_prefixes=_inclusive_prefixes(c14n_el),
        signature_method=sig_method,
        key_type=key_type,
        hash_name=hash_name,
        references=refs,
        signature_value=value,
        signature_value_element=sv_el,
        key_info=key_info,
        objects=objects,
    )


def _parse_reference(ref: etree._Element) -> ReferenceSpec:
    uri = ref.get("URI")
    if uri is None:
        raise format_failure("dsig.reference", "A Reference without URI is not allowed.")
    children = _element_children(ref)
    tags = [c.tag for c in children]
    transforms: list[str] = []
    c14n = None
    prefixes = None
    if tags and tags[0] == _DS + "Transforms":
        t_el = children.pop(0)
        tags.pop(0)
        t_children = _element_children(t_el)
        if not t_children or len(t_children) > MAX_TRANSFORMS:
            raise format_failure("dsig.transform", "Invalid number of transforms.")
        for t in t_children:
            if t.tag != _DS + "Transform":
                raise format_failure("dsig.transform", "Unexpected element in Transforms.")
            alg = t.get("Algorithm") or ""
            if c14n is not None:
                raise format_failure(
                    "dsig.transform", "Canonicalization must be the last transform."
                )
            if alg == TRANSFORM_ENVELOPED:
                if len(t):
                    raise format_failure(
                        "dsig.transform", "Enveloped transform takes no parameters."
                    )
            elif alg == TRANSFORM_XPATH:
                _check_xpath(t)
            elif alg in C14N_METHODS:
                c14n = alg
                prefixes = _inclusive_prefixes(t)
            else:
                raise format_failure("dsig.transform", f"Transform not allowed: {alg[:100]}")
            if alg in transforms:
                raise format_failure("dsig.transform", "Repeated transform.")
            transforms.append(alg)
    if tags != [_DS + "DigestMethod", _DS + "DigestValue"]:
        raise format_failure("dsig.reference", "Reference must hold DigestMethod and DigestValue.")
    digest_uri = children[0].get("Algorithm") or ""
    if digest_uri not in DIGESTS:
        raise format_failure("dsig.algorithm", f"Digest method not allowed: {digest_uri[:100]}")
    if len(children[0]) or len(children[1]):
        raise format_failure("dsig.reference", "Unexpected content in digest elements.")
    value = b64decode_strict(children[1].text, "DigestValue")
    return ReferenceSpec(
        element=ref,
        uri=uri,
        type=ref.get("Type"),
        id=ref.get("Id"),
        transforms=transforms,
        c14n=c14n,
        inclusive_prefixes=prefixes,
        digest_name=DIGESTS[digest_uri],
        digest_uri=digest_uri,
        digest_value=value,
    )


def _check_xpath(transform: etree._Element) -> None:
    kids = _element_children(transform)
    if len(kids) != 1 or kids[0].tag != _DS + "XPath" or len(kids[0]):
        raise format_failure("dsig.transform", "XPath transform must hold one XPath element.")
    xpath = kids[0]
    expression = "".join((xpath.text or "").split())
    if expression != XPATH_NOT_SIGNATURE:
        raise format_failure(
            "dsig.transform", "Only the not(ancestor-or-self::ds:Signature) XPath is allowed."
        )
    if xpath.nsmap.get("ds") != DS:
        raise format_failure("dsig.transform", "The XPath 'ds' prefix must be bound to XMLDSig.")


_BARE_NAME = re.compile(r"#([^\s()#]+)\Z")


def same_document_id(uri: str) -> str | None:
    """'#id' -> 'id' for bare-name XPointers; None for anything else."""
    match = _BARE_NAME.match(uri)
    return match.group(1) if match else None


# --- canonicalization -------------------------------------------------------------------------

_XML_INHERITED = {
    "1.0": ("lang", "space", "base", "id"),
    "1.1": ("lang", "space"),
}


def _detach(elements: list[etree._Element]) -> list[tuple]:
    """Detach elements from the tree, keeping their tail text in place; returns an undo list."""
    undo: list[tuple] = []
    try:
        for el in elements:
            parent = el.getparent()
            if parent is None:
                continue
            index = parent.index(el)
            prev = el.getprevious()
            tail = el.tail
            if prev is not None:
                saved = (True, prev, prev.tail)
                if tail:
                    prev.tail = (prev.tail or "") + tail
            else:
                saved = (False, parent, parent.text)
                if tail:
                    parent.text = (parent.text or "") + tail
            parent.remove(el)
            undo.append((el, parent, index, tail, saved))
    except BaseException:
        _reattach(undo)
        raise
    return undo


def _reattach(undo: list[tuple]) -> None:
    for el, parent, index, tail, (is_prev, holder, old) in reversed(undo):
        if is_prev:
            holder.tail = old
        else:
            holder.text = old
        el.tail = tail
        parent.insert(index, el)


def _inherit_xml_attributes(apex: etree._Element, version: str) -> list[str]:
    """Inclusive C14N of a document subset inherits ancestors' xml:* attributes (lxml doesn't).

    Sets them on the apex temporarily; returns what to remove afterwards.
    """
    added: list[str] = []
    names = _XML_INHERITED.get(version)
    if not names:
        return added
    for ancestor in apex.iterancestors():
        if not ancestor.attrib:
            continue
        for local in ("lang", "space", "base", "id"):
            qname = f"{{{XML_NS}}}{local}"
            value = ancestor.get(qname)
            if value is None:
                continue
            if version == "1.1" and local == "base":
                for q in added:
                    del apex.attrib[q]
                raise format_failure("dsig.c14n", "xml:base with C14N 1.1 is not supported.")
            if local in names and apex.get(qname) is None and qname not in added:
                apex.set(qname, value)
                added.append(qname)
    return added


def canonicalize(
    node: etree._Element | etree._ElementTree,
    method: str,
    *,
    inclusive_prefixes: list[str] | None = None,
    exclude: list[etree._Element] | None = None,
    comments_allowed: bool = True,
) -> bytes:
    exclusive, with_comments, version = C14N_METHODS[method]
    with_comments = with_comments and comments_allowed
    kwargs = {"method": "c14n", "exclusive": exclusive, "with_comments": with_comments}
    if exclusive and inclusive_prefixes:
        kwargs["inclusive_ns_prefixes"] = inclusive_prefixes
    undo = _detach(exclude) if exclude else None
    try:
        if isinstance(node, etree._ElementTree) or exclusive:
            return etree.tostring(node, **kwargs)
        added = _inherit_xml_attributes(node, version)
        try:
            return etree.tostring(node, **kwargs)
        finally:
            for qname in added:
                del node.attrib[qname]
    except etree.C14NError:
        # libxml2 refuses e.g. relative namespace URIs: not canonicalizable, not signable.
        raise format_failure("dsig.c14n", "The content cannot be canonicalized.") from None
    finally:
        if undo:
            _reattach(undo)


def digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


# --- references -------------------------------------------------------------------------------


def _signatures_within(node: etree._Element) -> list[etree._Element]:
    found = [node] if node.tag == _DS + "Signature" else []
    found.extend(node.iterdescendants(_DS + "Signature"))
    # Only outermost signatures need detaching.
    outer = []
    for el in found:
        if not any(a in found for a in el.iterancestors(_DS + "Signature")):
            outer.append(el)
    return outer


def verify_references(
    parts: SignatureParts,
    doc: ParsedDocument,
    *,
    detached_documents: dict[str, bytes] | None = None,
    work: WorkBudget | None = None,
    document_size: int = 0,
) -> list[VerifiedReference]:
    """Dereference and digest every Reference; raise on the first failure.

    Returns, per reference, the element whose canonical form was digested. With ``work``, each
    distinct canonicalisation runs once per validation and is charged against its budget
    (``document_size`` is reserved before a whole-document one runs).
    """
    work = work or WorkBudget()
    results = []
    for ref in parts.references:
        target: etree._Element | None
        whole = False
        detached = False
        if ref.uri == "":
            target = doc.root
            whole = True
        else:
            ref_id = same_document_id(ref.uri)
            if ref_id is None:
                if ref.uri.startswith("#") or ":" in ref.uri.split("/")[0]:
                    raise format_failure(
                        "dsig.reference_uri", "Only same-document references are allowed."
                    )
                if detached_documents is None or ref.uri not in detached_documents:
                    raise SignatureFailure(
                        Indication.INDETERMINATE,
                        SubIndication.SIGNED_DATA_NOT_FOUND,
                        "dsig.detached_missing",
                        "A detached document was not supplied.",
                    )
                if ref.transforms:
                    raise format_failure(
                        "dsig.transform", "Transforms on detached content are not allowed."
                    )
                if not hmac.compare_digest(
                    digest(ref.digest_name, detached_documents[ref.uri]), ref.digest_value
                ):
                    raise SignatureFailure(
                        Indication.TOTAL_FAILED,
                        SubIndication.HASH_FAILURE,
                        "dsig.digest",
                        "Digest mismatch.",
                    )
                results.append(
                    VerifiedReference(
                        ref.uri,
                        ref.type,
                        None,
                        False,
                        True,
                        ref.digest_name,
                        [],
                        detached_documents[ref.uri],
                    )
                )
                continue
            matches = doc.element_by_id(ref_id)
            if len(matches) != 1:
                if not matches:
                    raise SignatureFailure(
                        Indication.INDETERMINATE,
                        SubIndication.SIGNED_DATA_NOT_FOUND,
                        "dsig.reference_missing",
                        f"Referenced element #{ref_id[:64]} not found.",
                    )
                raise format_failure("dsig.ambiguous_id", f"Ambiguous reference #{ref_id[:64]}.")
            target = matches[0]
            whole = target is doc.root
        exclude: list[etree._Element] = []
        if TRANSFORM_ENVELOPED in ref.transforms:
            if parts.element is not target and target not in parts.element.iterancestors():
                raise format_failure(
                    "dsig.enveloped",
                    "Enveloped transform on content that does not hold the signature.",
                )
            exclude = [parts.element]
        if TRANSFORM_XPATH in ref.transforms:
            exclude = _signatures_within(target)
        method = ref.c14n or C14N_10
        node = doc.tree if ref.uri == "" else target

        def run(node=node, method=method, ref=ref, exclude=exclude) -> bytes:
            return canonicalize(
                node,
                method,
                inclusive_prefixes=ref.inclusive_prefixes,
                exclude=exclude,
                comments_allowed=False,
            )

        data = work.canonical(
            node,
            method,
            inclusive_prefixes=ref.inclusive_prefixes,
            exclude=exclude,
            comments_allowed=False,
            expected_size=document_size if whole else 0,
            run=run,
        )
        if not hmac.compare_digest(digest(ref.digest_name, data), ref.digest_value):
            what = (
                "SignedProperties"
                if ref.type == SIGNED_PROPERTIES_TYPE
                else f"Reference {ref.uri[:64]!r}"
            )
            raise SignatureFailure(
                Indication.TOTAL_FAILED,
                SubIndication.HASH_FAILURE,
                "dsig.digest",
                f"Digest mismatch for {what}.",
            )
        results.append(
            VerifiedReference(
                ref.uri, ref.type, target, whole, detached, ref.digest_name, ref.transforms, data
            )
        )
    return results


def signed_info_octets(parts: SignatureParts) -> bytes:
    return canonicalize(
        parts.signed_info, parts.c14n_method, inclusive_prefixes=parts.c14n_prefixes
    )


def verify_signature_value(parts: SignatureParts, public_key: object, octets: bytes) -> None:
    hash_cls = _HASHES[parts.hash_name]
    sig = parts.signature_value
    try:
        if parts.key_type == "rsa":
            if not isinstance(public_key, rsa.RSAPublicKey):
                raise InvalidSignature()
            public_key.verify(sig, octets, padding.PKCS1v15(), hash_cls())
        else:
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                raise InvalidSignature()
            size = (public_key.curve.key_size + 7) // 8
            if len(sig) != 2 * size:
                raise InvalidSignature()
            r = int.from_bytes(sig[:size], "big")
            s = int.from_bytes(sig[size:], "big")
            public_key.verify(encode_dss_signature(r, s), octets, ec.ECDSA(hash_cls()))
    except InvalidSignature:
        raise SignatureFailure(
            Indication.TOTAL_FAILED,
            SubIndication.SIG_CRYPTO_FAILURE,
            "dsig.signature_value",
            "The SignatureValue does not verify with the signing certificate's key.",
        ) from None
