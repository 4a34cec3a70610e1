"""IssuerSerialV2 is built by hand (DER): it must equal what asn1crypto encodes."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from signatures import xades

KEY = ec.generate_private_key(ec.SECP256R1())


def _certificate(serial: int, attributes: int) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(x509.oid.NameOID.ORGANIZATIONAL_UNIT_NAME, f"{i:02d}" * 30)
            for i in range(attributes)
        ]
        + [x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Wydawca")]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(KEY.public_key())
        .serial_number(serial)
        .not_valid_before(dt.datetime(2026, 1, 1))
        .not_valid_after(dt.datetime(2027, 1, 1))
        .sign(KEY, hashes.SHA256())
    )


@pytest.mark.parametrize("serial", [1, 127, 128, 255, 256, 2**64, 2**158, 2**159 - 1])
@pytest.mark.parametrize("attributes", [0, 2, 5])  # short and long (> 127, > 255 bytes) names
def test_issuer_serial_der_equals_asn1crypto(serial, attributes):
    cert = _certificate(serial, attributes)
    name = asn1_x509.Name.load(cert.issuer.public_bytes())
    expected = cms.IssuerSerial(
        {"issuer": [asn1_x509.GeneralName(name="directory_name", value=name)], "serial": serial}
    ).dump()
    assert xades._issuer_serial_der(cert) == expected
