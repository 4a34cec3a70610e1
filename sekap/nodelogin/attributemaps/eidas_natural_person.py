"""The node's attribute names (eIDAS natural-person attributes, URI name format) mapped to the
short local names pysaml2 hands back. Loaded by pysaml2 from this directory (attribute_map_dir)."""

NATURAL_PERSON = "http://eidas.europa.eu/attributes/naturalperson/"

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
    "fro": {
        f"{NATURAL_PERSON}PersonIdentifier": "PersonIdentifier",
        f"{NATURAL_PERSON}CurrentGivenName": "CurrentGivenName",
        f"{NATURAL_PERSON}CurrentFamilyName": "CurrentFamilyName",
        f"{NATURAL_PERSON}DateOfBirth": "DateOfBirth",
    },
    "to": {
        "PersonIdentifier": f"{NATURAL_PERSON}PersonIdentifier",
        "CurrentGivenName": f"{NATURAL_PERSON}CurrentGivenName",
        "CurrentFamilyName": f"{NATURAL_PERSON}CurrentFamilyName",
        "DateOfBirth": f"{NATURAL_PERSON}DateOfBirth",
    },
}
