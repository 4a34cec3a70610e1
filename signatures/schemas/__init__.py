"""Bundled XML schemas of the standards the signatures app reads and writes (provenance in
``docs/decisions.md``). :func:`load` compiles one with its imports served from this folder;
any other import location is refused, so compiling never touches the network."""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

from sekap.xmlsafe import parse_own

ETSI_DIR = Path(__file__).resolve().parent / "etsi"

# The locations the official schemas import from -> our copies.
_LOCATIONS = {
    "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd": (
        "xmldsig-core-schema.xsd"
    ),
    "http://www.w3.org/TR/2008/REC-xmldsig-core-20080610/xmldsig-core-schema.xsd": (
        "xmldsig-core-schema.xsd"
    ),
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
    "http://uri.etsi.org/01903/v1.3.2/XAdES.xsd": "XAdES01903v132-202407.xsd",
    "https://uri.etsi.org/01903/v1.3.2/XAdES01903v132-201601.xsd": "XAdES01903v132-202407.xsd",
    "http://uri.etsi.org/19612/v2.2.1/ts_119612v020201_201601xsd.xsd": "ts_119612v020401_xsd.xsd",
    "https://forge.etsi.org/rep/esi/x19_612_trusted_lists/-/raw/v2.4.1/19612_xsd.xsd": (
        "ts_119612v020401_xsd.xsd"
    ),
}

VALIDATION_REPORT = "TS119102-2-v141.xsd"
TRUSTED_LIST = "ts_119612v020401_xsd.xsd"


class _BundledResolver(etree.Resolver):
    def resolve(self, system_url, public_id, context):
        name = _LOCATIONS.get(system_url)
        if name is None and system_url.startswith(str(ETSI_DIR)):
            name = Path(system_url).name
        if name is None or not (ETSI_DIR / name).is_file():
            raise etree.XMLSchemaParseError(f"schema location not allowed: {system_url}")
        return self.resolve_filename(str(ETSI_DIR / name), context)


@functools.cache
def load(name: str) -> etree.XMLSchema:
    """The compiled schema ``name`` (a file of :data:`ETSI_DIR`), cached per process."""
    root = parse_own((ETSI_DIR / name).read_bytes(), resolver=_BundledResolver())
    return etree.XMLSchema(root)
