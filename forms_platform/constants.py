"""Namespaces and fixed names of the ePUAP-style document structure (REFERENCE.md §1.1)."""

from __future__ import annotations

NS_META = "http://crd.gov.pl/xml/schematy/meta/2009/11/16/"
NS_STR = "http://crd.gov.pl/xml/schematy/struktura/2009/11/16/"
NS_OSO = "http://crd.gov.pl/xml/schematy/osoba/2009/11/16/"
NS_INST = "http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/"
NS_ADR = "http://crd.gov.pl/xml/schematy/adres/2009/11/09/"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_XS = "http://www.w3.org/2001/XMLSchema"
NS_XSL = "http://www.w3.org/1999/XSL/Transform"

# Where each shared schema is published; our own rendering of it is bundled in schemas/.
SHARED_SCHEMAS = {
    NS_META: ("meta", NS_META + "meta.xsd", "meta.xsd"),
    NS_STR: ("str", NS_STR + "struktura.xsd", "struktura.xsd"),
    NS_OSO: ("oso", NS_OSO + "osoba.xsd", "osoba.xsd"),
    NS_INST: ("inst", NS_INST + "instytucja.xsd", "instytucja.xsd"),
    NS_ADR: ("adr", NS_ADR + "adres.xsd", "adres.xsd"),
}

FORM_PREFIX = "wnio"
NSMAP_SHARED = {prefix: ns for ns, (prefix, _loc, _file) in SHARED_SCHEMAS.items()}

CENTRAL_NAMESPACE_BASE = "http://crd.gov.pl/wzor/"
DEFAULT_LOCAL_NAMESPACE_BASE = "http://sekap.slaskie.pl/wzor_lokalny/"

DEFINITION_FORMAT = 1
