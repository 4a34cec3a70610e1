"""Namespaces and algorithm identifiers used by the XAdES validator and signer."""

from __future__ import annotations

DS = "http://www.w3.org/2000/09/xmldsig#"
XADES = "http://uri.etsi.org/01903/v1.3.2#"
XADES141 = "http://uri.etsi.org/01903/v1.4.1#"
XML_NS = "http://www.w3.org/XML/1998/namespace"
PPZP = "http://crd.gov.pl/xml/schematy/ppzp/"
OS = "http://crd.gov.pl/xml/schematy/osoba/2009/03/06/"
SEKAP_PP = "urn:sekap:trusted-profile:1"

NSMAP = {"ds": DS, "xades": XADES, "xades141": XADES141, "ppZP": PPZP, "os": OS}

SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

# Canonicalization methods: uri -> (exclusive, with_comments, version)
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
C14N_10_COMMENTS = C14N_10 + "#WithComments"
C14N_11 = "http://www.w3.org/2006/12/xml-c14n11"
C14N_11_COMMENTS = C14N_11 + "#WithComments"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_COMMENTS = EXC_C14N + "WithComments"

C14N_METHODS: dict[str, tuple[bool, bool, str]] = {
    C14N_10: (False, False, "1.0"),
    C14N_10_COMMENTS: (False, True, "1.0"),
    C14N_11: (False, False, "1.1"),
    C14N_11_COMMENTS: (False, True, "1.1"),
    EXC_C14N: (True, False, "exc"),
    EXC_C14N_COMMENTS: (True, True, "exc"),
}

TRANSFORM_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
TRANSFORM_XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
XPATH_NOT_SIGNATURE = "not(ancestor-or-self::ds:Signature)"

# Digest algorithms: uri -> hashlib name
DIGESTS: dict[str, str] = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#sha224": "sha224",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384": "sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-256": "sha3_256",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-384": "sha3_384",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-512": "sha3_512",
}
DIGEST_URI = {name: uri for uri, name in DIGESTS.items()}
STRONG_DIGESTS = frozenset({"sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})

# Signature algorithms: uri -> (key type, hashlib name)
SIGNATURE_METHODS: dict[str, tuple[str, str]] = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": ("rsa", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": ("rsa", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": ("rsa", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": ("rsa", "sha512"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1": ("ec", "sha1"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256": ("ec", "sha256"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384": ("ec", "sha384"),
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512": ("ec", "sha512"),
}
SIGNATURE_URI = {value: uri for uri, value in SIGNATURE_METHODS.items()}

ID_ATTRIBUTES = ("Id", "ID", "id", f"{{{XML_NS}}}id")
