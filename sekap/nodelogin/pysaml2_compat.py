"""Two narrow adaptations of pysaml2 7.5 to what the national node sends; applied on import.

1. ECDSA-SHA256 signing: pysaml2 signs through xmlsec1, which does ECDSA, but its ``Entity``
   keeps a hard-coded list of RSA algorithms (its source: "should be configurable"). The node
   signs with ECDSA-SHA256 and expects it from us: that one algorithm is added, nothing else.
2. Typed attribute values: the node types each value ``xsi:type="naturalperson:…Type"``
   (eIDAS attribute profile). pysaml2 checks a signed element's schema on its own
   re-serialisation, which drops namespace declarations used only inside attribute values, so
   the prefix is unbound and every such assertion fails (upstream: IdentityPython/pysaml2
   pull request 1025). pysaml2 already re-declares ``xs:``/``xsd:`` when it reads a typed
   value; the eIDAS natural-person prefix is re-declared the same way. An unknown prefix stays
   unbound and the assertion is still refused.
"""

from __future__ import annotations

import saml2.entity
from saml2.saml import AttributeValueBase
from saml2.xmldsig import SIG_ECDSA_SHA256

EIDAS_NATURAL_PERSON = "http://eidas.europa.eu/attributes/naturalperson"
TYPE_PREFIXES = {"naturalperson": EIDAS_NATURAL_PERSON, "eidas-natural": EIDAS_NATURAL_PERSON}

if all(uri != SIG_ECDSA_SHA256 for _name, uri in saml2.entity.SIG_ALLOWED_ALG):
    saml2.entity.SIG_ALLOWED_ALG = (
        *saml2.entity.SIG_ALLOWED_ALG,
        ("SIG_ECDSA_SHA256", SIG_ECDSA_SHA256),
    )

_set_type = AttributeValueBase.set_type


def _set_type_declaring_eidas(self: AttributeValueBase, typ: str) -> None:
    _set_type(self, typ)
    prefix = typ.split(":", 1)[0] if ":" in typ else ""
    if prefix in TYPE_PREFIXES:
        try:
            self.extension_attributes[f"xmlns:{prefix}"] = TYPE_PREFIXES[prefix]
        except AttributeError:  # during __init__, as pysaml2's own set_type does
            self._extatt[f"xmlns:{prefix}"] = TYPE_PREFIXES[prefix]


if getattr(AttributeValueBase.set_type, "__name__", "") != _set_type_declaring_eidas.__name__:
    AttributeValueBase.set_type = _set_type_declaring_eidas
