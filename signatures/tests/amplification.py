"""CPU-amplification documents: one large document, many whole-document references, many
signatures. Used by the tests and by bench/bench_validator_amplification.py.

Every content reference is a real whole-document reference with a correct digest (XPath
transform excluding all signatures, so copies of the signature leave it unchanged); the
SignedProperties reference comes last, so a validator that canonicalises per reference does all
that work before anything fails.
"""

from __future__ import annotations

import copy
import hashlib

from lxml import etree

from signatures import dsig
from signatures.constants import (
    C14N_10,
    C14N_11,
    DS,
    EXC_C14N,
    SIGNED_PROPERTIES_TYPE,
    TRANSFORM_XPATH,
    XPATH_NOT_SIGNATURE,
)
from signatures.signer import sign_enveloped
from signatures.tests.corpus.build import BASE

D = f"{{{DS}}}"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
EXC_NS = "http://www.w3.org/2001/10/xml-exc-c14n#"


def padded_document(size: int) -> bytes:
    """The base application padded with items to about ``size`` bytes (linear time)."""
    items, total, n = [], len(BASE), 0
    while total < size:
        item = (
            f'  <Pozycja nr="{n}">Zalacznik {n}: opis dokumentu zalaczonego do wniosku</Pozycja>\n'
        )
        items.append(item)
        total += len(item)
        n += 1
    return BASE.replace(b"</Wniosek>", "".join(items).encode() + b"</Wniosek>")


def _variant(i: int) -> tuple[str, str | None]:
    """The i-th distinct (C14N method, inclusive prefix) pair: a memo cannot share them."""
    if i < 2:
        return (C14N_10, C14N_11)[i], None
    return EXC_C14N, f"p{i}"


def _reference(
    root: etree._Element, method: str, prefix: str | None, target: etree._Element | None = None
) -> etree._Element:
    uri = f"#{target.get('Id')}" if target is not None else ""
    ref = etree.Element(D + "Reference", URI=uri, nsmap={"ds": DS})
    t_el = etree.SubElement(ref, D + "Transforms")
    t = etree.SubElement(t_el, D + "Transform", Algorithm=TRANSFORM_XPATH)
    etree.SubElement(t, D + "XPath").text = XPATH_NOT_SIGNATURE
    c14n = etree.SubElement(t_el, D + "Transform", Algorithm=method)
    if prefix:
        etree.SubElement(c14n, f"{{{EXC_NS}}}InclusiveNamespaces", PrefixList=prefix)
    etree.SubElement(ref, D + "DigestMethod", Algorithm=SHA256)
    exclude = list(root.iter(D + "Signature")) if target is None else []
    octets = dsig.canonicalize(
        root.getroottree() if target is None else target,
        method,
        inclusive_prefixes=[prefix] if prefix else None,
        exclude=exclude,
        comments_allowed=False,
    )
    etree.SubElement(ref, D + "DigestValue").text = dsig.base64.b64encode(
        hashlib.sha256(octets).digest()
    ).decode()
    return ref


def amplification_document(
    pki,
    *,
    size: int,
    references: int,
    signatures: int = 1,
    distinct: bool = False,
    nested: bool = False,
) -> bytes:
    """``signatures`` signatures, each with ``references`` whole-document references (all the
    same one, or each with its own C14N variant when ``distinct``). With ``nested``, the
    content is wrapped in ``references`` nested elements, each referenced by its Id: each
    reference costs about a whole document, but that is not visible before canonicalising."""
    signed = sign_enveloped(
        padded_document(size),
        key=pki.signer.signing_key,
        cert_chain=[pki.signer.cert, pki.ca.cert],
    )
    root = etree.fromstring(signed)
    sig = root.find(D + "Signature")
    signed_info = sig.find(D + "SignedInfo")
    for ref in signed_info.findall(D + "Reference"):
        if ref.get("Type") != SIGNED_PROPERTIES_TYPE:
            signed_info.remove(ref)
    sp_ref = signed_info.find(D + "Reference")
    groups: list[etree._Element] = []
    if nested:
        items = [el for el in root if el.tag != D + "Signature"]
        parent = root
        for i in range(references):
            group = etree.SubElement(parent, etree.QName(root, "Grupa"), Id=f"grupa-{i}")
            groups.append(group)
            parent = group
        parent.extend(items)
        sig.addprevious(groups[0])
    copies = [sig]
    for n in range(1, signatures):
        other = copy.deepcopy(sig)
        for el in other.iter():
            if el.get("Id"):
                el.set("Id", f"{el.get('Id')}-{n}")
        qp = other.find(f"{D}Object/{{http://uri.etsi.org/01903/v1.3.2#}}QualifyingProperties")
        qp.set("Target", f"#{other.get('Id')}")
        other_sp = other.find(f"{D}SignedInfo/{D}Reference")
        other_sp.set("URI", f"{other_sp.get('URI')}-{n}")
        root.append(other)
        copies.append(other)
    for one in copies:
        info = one.find(D + "SignedInfo")
        sp = info.find(D + "Reference")
        if nested:  # the scope rule asks for the whole document to be covered too
            sp.addprevious(_reference(root, EXC_C14N, None))
        for i in range(references):
            method, prefix = _variant(i) if distinct else (EXC_C14N, None)
            target = groups[i] if nested else None
            sp.addprevious(_reference(root, method, prefix, target))
    del sp_ref
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
