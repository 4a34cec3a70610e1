"""RFC 3161 time-stamping authority (with RFC 5816 ESSCertIDv2).

asn1crypto parses the request and builds TSTInfo and the CMS SignedData; the signature over the
signed attributes is made with the TSA key through ``certauth.keys`` (cryptography, or the
PKCS#11 token).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from django.utils import timezone

from . import der, keys
from .conf import setting, tsa_policy_oid

logger = logging.getLogger(__name__)

MAX_REQUEST = 16 * 1024
CONTENT_TYPE = "application/timestamp-reply"
REQUEST_CONTENT_TYPE = "application/timestamp-query"
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}


def _rejection(fail_info: str, text: str) -> bytes:
    # asn1crypto declares timeStampToken mandatory; RFC 3161 omits it on rejection.
    status = tsp.PKIStatusInfo(
        {
            "status": "rejection",
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({fail_info}),
        }
    )
    return der.sequence(status.dump())


def _accuracy_seconds() -> int:
    return int(setting("CERTAUTH_TSA_ACCURACY_SECONDS", 1))


def respond(data: bytes, *, requester_ip: str | None = None) -> bytes:
    """Answer one DER TimeStampReq with a DER TimeStampResp; never raises.

    Each granted token is logged in :class:`~certauth.models.TimestampRecord` (serial, time,
    SHA-256 of the request, requester IP), not in the audit chain: an anonymous, rate-limited
    service must not take the chain's lock or grow it.
    """
    request_sha256 = hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""
    try:
        if len(data) > MAX_REQUEST:
            return _rejection("bad_data_format", "request too large")
        request = tsp.TimeStampReq.load(data, strict=True)
        version = request["version"].native
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        policy = request["req_policy"].native
        nonce = request["nonce"].native
        cert_req = bool(request["cert_req"].native)
        extensions = request["extensions"].native
    except Exception:
        return _rejection("bad_data_format", "malformed request")
    try:
        if version != "v1":
            return _rejection("bad_request", "unsupported version")
        if algorithm not in DIGEST_SIZES:
            return _rejection("bad_alg", "hash algorithm not accepted")
        if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZES[algorithm]:
            return _rejection("bad_data_format", "imprint length does not match its algorithm")
        if policy is not None and policy != tsa_policy_oid():
            return _rejection("unaccepted_policy", "policy not supported")
        if extensions:
            return _rejection("unaccepted_extension", "extensions not supported")
        return _grant(
            algorithm=algorithm,
            digest=digest,
            nonce=nonce,
            cert_req=cert_req,
            request_sha256=request_sha256,
            requester_ip=requester_ip,
        )
    except Exception:
        logger.exception("TSA failure")
        return _rejection("system_failure", "internal error")


def timestamp(data: bytes, *, hash_name: str = "sha256") -> bytes:
    """A time-stamp token (CMS ContentInfo, DER) over ``data``, from this TSA in-process.

    Used by callers inside the platform (the audit anchors) instead of HTTP to ourselves.
    Raises ``TimestampRefused`` when the TSA refuses (no active unit, key unavailable)."""
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
    response = tsp.TimeStampResp.load(respond(request.dump()))
    status = response["status"]
    if status["status"].native not in ("granted", "granted_with_mods"):
        text = "; ".join(status["status_string"].native or [])
        raise TimestampRefused(f"the time-stamping authority refused: {text}")
    token = response["time_stamp_token"]
    if token["content"]["encap_content_info"]["content"].parsed["nonce"].native != nonce:
        raise TimestampRefused("the time-stamp answers another request")
    return token.dump()


class TimestampRefused(Exception):
    pass


def _tsa_identity() -> tuple[str, str]:
    """(the SHA-256 of its certificate, key reference) of the active unit: one small query a
    stamp, so a new unit, certificate or key takes effect at once (see :func:`_unit`)."""
    from .models import ServiceIdentity

    row = (
        ServiceIdentity.objects.filter(kind="tsa", is_active=True)
        .values_list("certificate__sha256", "key_ref")
        .first()
    )
    if row is None:
        raise RuntimeError("no active time-stamping unit; run manage.py ca_init")
    return row


@dataclass(frozen=True)
class _Unit:
    """What every token of one unit repeats, encoded once (DER): each stamp loads fresh
    asn1crypto objects from these bytes, which dump back unchanged without being re-encoded
    (building them from the parsed certificate was most of a stamp's time)."""

    cert_der: bytes
    tsa_name: bytes  # GeneralName: the unit's subject
    signer_id: bytes  # SignerIdentifier: issuer and serial number
    signing_certificate: bytes  # CMSAttribute signing_certificate_v2 (RFC 5816 ESSCertIDv2)


_units: dict[tuple[str, str], _Unit] = {}


def _unit(identity: tuple[str, str]) -> _Unit:
    unit = _units.get(identity)
    if unit is not None:
        return unit
    from .models import Certificate

    cert_der = bytes(Certificate.objects.values_list("der", flat=True).get(sha256=identity[0]))
    cert = asn1_x509.Certificate.load(cert_der)
    ess = cms.CMSAttribute(
        {
            "type": "signing_certificate_v2",
            "values": [
                {
                    "certs": [
                        {
                            "hash_algorithm": {"algorithm": "sha256"},
                            "cert_hash": hashlib.sha256(cert_der).digest(),
                            "issuer_serial": {
                                "issuer": [
                                    asn1_x509.GeneralName(name="directory_name", value=cert.issuer)
                                ],
                                "serial_number": cert.serial_number,
                            },
                        }
                    ]
                }
            ],
        }
    )
    sid = cms.SignerIdentifier(
        name="issuer_and_serial_number",
        value={"issuer": cert.issuer, "serial_number": cert.serial_number},
    )
    unit = _Unit(
        cert_der=cert_der,
        tsa_name=asn1_x509.GeneralName(name="directory_name", value=cert.subject).dump(),
        signer_id=sid.dump(),
        signing_certificate=ess.dump(),
    )
    _units.clear()  # one active unit: the previous one's entry is stale
    _units[identity] = unit
    return unit


def forget_units() -> None:
    """Drop the encoded parts of the units (tests; a rotation is noticed without it)."""
    _units.clear()


def _grant(
    *,
    algorithm: str,
    digest: bytes,
    nonce: int | None,
    cert_req: bool,
    request_sha256: str = "",
    requester_ip: str | None = None,
) -> bytes:
    identity = _tsa_identity()
    signer = keys.load_signer(identity[1])  # cached by ``certauth.keys`` (and forgotten there)
    unit = _unit(identity)
    gen_time = timezone.now().astimezone(dt.UTC)
    serial = secrets.randbits(127) | (1 << 120)
    info = {
        "version": "v1",
        "policy": tsa_policy_oid(),
        "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
        "serial_number": serial,
        "gen_time": gen_time,
        "accuracy": {"seconds": _accuracy_seconds()},
        "ordering": False,
        "tsa": asn1_x509.GeneralName.load(unit.tsa_name),
    }
    if nonce is not None:
        info["nonce"] = nonce
    tst_info = tsp.TSTInfo(info)
    content = tst_info.dump()
    digest_name = signer.hash_algorithm.name  # sha256 or sha384
    signed_attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["tst_info"]},
            {"type": "signing_time", "values": [cms.Time(name="utc_time", value=gen_time)]},
            {
                "type": "message_digest",
                "values": [hashlib.new(digest_name, content).digest()],
            },
            cms.CMSAttribute.load(unit.signing_certificate),
        ]
    )
    signature = signer.sign(signed_attrs.dump())
    if signer.key_type.startswith("EC-"):
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest_name}_ecdsa"})
    else:
        signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": f"{digest_name}_rsa"})
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier.load(unit.signer_id),
            "digest_algorithm": {"algorithm": digest_name},
            "signed_attrs": signed_attrs,
            "signature_algorithm": signature_algorithm,
            "signature": signature,
        }
    )
    signed_data = {
        "version": "v3",
        "digest_algorithms": [{"algorithm": digest_name}],
        "encap_content_info": {
            "content_type": "tst_info",
            "content": core.ParsableOctetString(content),
        },
        "signer_infos": [signer_info],
    }
    if cert_req:
        signed_data["certificates"] = [cms.CertificateChoices.load(unit.cert_der)]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed_data)})
    _log(
        serial=serial,
        gen_time=gen_time,
        algorithm=algorithm,
        digest=digest,
        request_sha256=request_sha256,
        requester_ip=requester_ip,
    )
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def _log(
    *,
    serial: int,
    gen_time: dt.datetime,
    algorithm: str,
    digest: bytes,
    request_sha256: str,
    requester_ip: str | None,
):
    from .models import TimestampRecord

    return TimestampRecord.objects.create(
        serial_hex=format(serial, "x"),
        gen_time=gen_time,
        hash_algorithm=algorithm,
        imprint_hex=digest.hex(),
        policy=tsa_policy_oid(),
        request_sha256=request_sha256,
        requester_ip=requester_ip,
    )
