"""SOAP 1.1 envelopes around signed SAML messages, kept byte for byte (re-serialising a signed
message could break its signature; exclusive C14N makes the envelope's context irrelevant)."""

from __future__ import annotations

import re

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def envelope(message) -> bytes:
    text = _DECLARATION.sub("", str(message), count=1)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>{text}</soap:Body></soap:Envelope>'
    ).encode()
