"""RFC 3161 time-stamp tokens: the signer's client and the validator's checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from sekap.monitoring import events
from signatures.pkix import Fetcher, load_certificate

_HASHES = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha1": hashes.SHA1,
}


class TimestampError(Exception):
    pass


@dataclass
class TokenCheck:
    ok: bool
    message: str = ""
    gen_time: datetime | None = None
    serial_number: int | None = None
    tsa_certificate: x509.Certificate | None = None
    certificates: list[x509.Certificate] = field(default_factory=list)
    hash_name: str | None = None


def request_timestamp(
    data: bytes, *, url: str, fetcher: Fetcher, hash_name: str = "sha256"
) -> bytes:
    """Ask the TSA at ``url`` for a token over ``data``; returns the token (ContentInfo DER)."""
    nonce = secrets.randbits(63)
    request = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": hash_name},
                "hashed_message": hashlib.new(hash_name, data).digest(),
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )
    try:
        raw = fetcher.post(url, request.dump(), "application/timestamp-query")
        response = tsp.TimeStampResp.load(raw)
        status = response["status"]["status"].native
    except Exception as exc:
        events.count("sekap_tsa_failures", reason="no_answer")
        raise TimestampError(
            f"The time-stamping authority did not answer properly: {exc}"
        ) from None
    if status not in ("granted", "granted_with_mods"):
        events.count("sekap_tsa_failures", reason="refused")
        raise TimestampError(f"The time-stamping authority refused the request: {status}")
    token = response["time_stamp_token"]
    check = verify_token(token.dump(), data)
    tst = token["content"]["encap_content_info"]["content"].parsed if check.ok else None
    if tst is None or tst["nonce"].native != nonce:
        events.count("sekap_tsa_failures", reason="bad_token")
        raise TimestampError(
            check.message if not check.ok else "The time-stamp nonce does not match the request."
        )
    events.mark("sekap_tsa_last_success_timestamp_seconds")
    return token.dump()


def _verify_with(
    cert: x509.Certificate, signature: bytes, data: bytes, sig_algo: str, hash_name: str
) -> None:
    key = cert.public_key()
    hash_cls = _HASHES.get(hash_name)
    if hash_cls is None:
        raise InvalidSignature()
    if isinstance(key, rsa.RSAPublicKey) and "rsa" in sig_algo and "pss" not in sig_algo:
        key.verify(signature, data, padding.PKCS1v15(), hash_cls())
    elif isinstance(key, ec.EllipticCurvePublicKey) and "ecdsa" in sig_algo:
        key.verify(signature, data, ec.ECDSA(hash_cls()))
    else:
        raise InvalidSignature()


def verify_token(token_der: bytes, imprinted_data: bytes) -> TokenCheck:
    """Check a token's structure, message imprint and CMS signature (not the TSA's path)."""
    try:
        content_info = cms.ContentInfo.load(token_der)
        if content_info["content_type"].native != "signed_data":
            return TokenCheck(False, "The time-stamp is not CMS SignedData.")
        signed_data = content_info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            return TokenCheck(False, "The time-stamp does not hold a TSTInfo.")
        tst_der = encap["content"].contents
        tst = tsp.TSTInfo.load(tst_der)
        imprint = tst["message_imprint"]
        hash_name = imprint["hash_algorithm"]["algorithm"].native
        if hash_name not in ("sha256", "sha384", "sha512"):
            return TokenCheck(False, f"Weak time-stamp imprint algorithm {hash_name}.")
        expected = hashlib.new(hash_name, imprinted_data).digest()
        if not hmac.compare_digest(expected, imprint["hashed_message"].native):
            return TokenCheck(
                False, "The time-stamp message imprint does not match the signature value."
            )
        certs = []
        for choice in signed_data["certificates"] or []:
            if choice.name == "certificate":
                certs.append(load_certificate(choice.chosen.dump()))
        infos = signed_data["signer_infos"]
        if len(infos) != 1:
            return TokenCheck(False, "The time-stamp must have exactly one signer.")
        info = infos[0]
        sid = info["sid"]
        tsa_cert = None
        for cert in certs:
            if sid.name == "issuer_and_serial_number":
                if cert.serial_number == sid.chosen["serial_number"].native and (
                    cert.issuer.public_bytes() == sid.chosen["issuer"].dump()
                ):
                    tsa_cert = cert
            else:
                try:
                    ski = cert.extensions.get_extension_for_class(
                        x509.SubjectKeyIdentifier
                    ).value.digest
                except x509.ExtensionNotFound:
                    continue
                if ski == sid.chosen.native:
                    tsa_cert = cert
        if tsa_cert is None:
            return TokenCheck(False, "The TSA certificate is not in the time-stamp.")
        digest_name = info["digest_algorithm"]["algorithm"].native
        if digest_name not in _HASHES:
            return TokenCheck(False, f"Weak time-stamp signature digest {digest_name}.")
        signed_attrs = info["signed_attrs"]
        if not signed_attrs:
            return TokenCheck(False, "The time-stamp has no signed attributes.")
        attrs = {a["type"].native: a["values"] for a in signed_attrs}
        md = attrs.get("message_digest")
        if md is None or not hmac.compare_digest(
            md[0].native, hashlib.new(digest_name, tst_der).digest()
        ):
            return TokenCheck(False, "The time-stamp content digest does not match.")
        ctype = attrs.get("content_type")
        if ctype is None or ctype[0].native != "tst_info":
            return TokenCheck(False, "The time-stamp content type attribute is wrong.")
        to_verify = b"\x31" + signed_attrs.dump()[1:]
        sig_algo = info["signature_algorithm"]["algorithm"].native
        _verify_with(tsa_cert, info["signature"].native, to_verify, sig_algo, digest_name)
        try:
            eku = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        except x509.ExtensionNotFound:
            return TokenCheck(
                False, "The TSA certificate lacks the timeStamping extended key usage."
            )
        if ExtendedKeyUsageOID.TIME_STAMPING not in eku.value:
            return TokenCheck(
                False, "The TSA certificate lacks the timeStamping extended key usage."
            )
        return TokenCheck(
            True,
            gen_time=tst["gen_time"].native,
            serial_number=tst["serial_number"].native,
            tsa_certificate=tsa_cert,
            certificates=certs,
            hash_name=hash_name,
        )
    except InvalidSignature:
        return TokenCheck(False, "The time-stamp signature does not verify.")
    except Exception as exc:
        return TokenCheck(False, f"Malformed time-stamp: {type(exc).__name__}")


__all__ = ["TimestampError", "TokenCheck", "request_timestamp", "verify_token"]
