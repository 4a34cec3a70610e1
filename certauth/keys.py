"""Key custody: CA private keys in encrypted PKCS#8 files or in a PKCS#11 token.

A key is addressed by its ``key_ref``: ``file:<name>`` (an encrypted PKCS#8 PEM file under
``var/pki``) or ``pkcs11:<label>`` (a non-extractable private key object in the token named by
``CA_PKCS11_TOKEN_LABEL``). The database stores only the reference. Signing goes through
:class:`Signer`; builders of cryptography need a software key object, so for token keys the
structure is signed once with a throw-away key of the same type and the signature value is then
replaced by the token's signature over the very same TBS bytes (see :func:`sign_certificate`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.x509 import ocsp

from . import der
from .conf import pkcs11_module, pki_dir, setting

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

KEY_TYPES = ("EC-P256", "EC-P384", "RSA-2048", "RSA-3072", "RSA-4096")
_CURVES = {"EC-P256": ec.SECP256R1, "EC-P384": ec.SECP384R1}
_CURVE_TO_TYPE = {"secp256r1": "EC-P256", "secp384r1": "EC-P384"}


class KeyCustodyError(Exception):
    pass


class KeyOffline(KeyCustodyError):
    """The key was taken offline after the ceremony (the root CA): sign with it offline."""


OFFLINE_PREFIX = "offline:"


def key_type_of(public_key: object) -> str | None:
    """Name a public key as one of KEY_TYPES, or None when it is not acceptable at all."""
    if isinstance(public_key, rsa.RSAPublicKey):
        name = f"RSA-{public_key.key_size}"
        return name if name in KEY_TYPES else None
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return _CURVE_TO_TYPE.get(public_key.curve.name)
    return None


def hash_for(key_type: str) -> hashes.HashAlgorithm:
    return hashes.SHA384() if key_type == "EC-P384" else hashes.SHA256()


def _generate_soft(key_type: str) -> PrivateKey:
    if key_type in _CURVES:
        return ec.generate_private_key(_CURVES[key_type]())
    if key_type.startswith("RSA-"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[4:]))
    raise KeyCustodyError(f"unsupported key type {key_type}")


@cache
def _stand_in_key(key_type: str) -> PrivateKey:
    """A throw-away key whose signature is always replaced; only its algorithm matters."""
    return _generate_soft("RSA-2048" if key_type.startswith("RSA-") else key_type)


@dataclass
class Signer:
    key_ref: str
    key_type: str
    public_key: PublicKey
    soft_key: PrivateKey | None = None
    _token_key: object = None

    @property
    def hash_algorithm(self) -> hashes.HashAlgorithm:
        return hash_for(self.key_type)

    @property
    def in_token(self) -> bool:
        return self.soft_key is None

    def sign(self, data: bytes, algorithm: hashes.HashAlgorithm | None = None) -> bytes:
        """Sign ``data`` (hashed with ``algorithm``, by default the key's own), PKCS#1 v1.5 or
        ECDSA DER."""
        algorithm = algorithm or self.hash_algorithm
        if self.soft_key is not None:
            if isinstance(self.soft_key, rsa.RSAPrivateKey):
                return self.soft_key.sign(data, padding.PKCS1v15(), algorithm)
            return self.soft_key.sign(data, ec.ECDSA(algorithm))
        return _token().sign(self, data, algorithm)

    def builder_key(self) -> PrivateKey:
        return self.soft_key if self.soft_key is not None else _stand_in_key(self.key_type)


class XmlSigningKey:
    """A custody key as the XML signing layer wants it (``signatures.signer.SigningKey``):
    ``key_type`` "rsa"/"ec", ``curve_bytes``, and ``sign`` giving an XMLDSig SignatureValue
    (RSA PKCS#1 v1.5 or ECDSA r||s, over SHA-256). certauth does not import ``signatures``;
    the protocol is structural."""

    def __init__(self, signer: Signer) -> None:
        self.signer = signer
        if isinstance(signer.public_key, ec.EllipticCurvePublicKey):
            self.key_type = "ec"
            self.curve_bytes = (signer.public_key.curve.key_size + 7) // 8
        else:
            self.key_type = "rsa"
            self.curve_bytes = 0

    @property
    def in_token(self) -> bool:
        return self.signer.in_token

    def sign(self, data: bytes) -> bytes:
        signature = self.signer.sign(data, hashes.SHA256())
        if self.key_type == "rsa":
            return signature
        r, s = decode_dss_signature(signature)
        return r.to_bytes(self.curve_bytes, "big") + s.to_bytes(self.curve_bytes, "big")


def sign_certificate(signer: Signer, builder: x509.CertificateBuilder) -> x509.Certificate:
    cert = builder.sign(signer.builder_key(), signer.hash_algorithm)
    if not signer.in_token:
        return cert
    signed = der.replace_signature(
        cert.public_bytes(serialization.Encoding.DER), signer.sign(cert.tbs_certificate_bytes)
    )
    return x509.load_der_x509_certificate(signed)


def sign_tbs_der(signer: Signer, signed_der: bytes) -> bytes:
    """Re-sign a SIGNED{} structure whose first child is the TBS part (used for token keys)."""
    tbs = der.children(signed_der)[0]
    return der.replace_signature(signed_der, signer.sign(tbs))


def _key_hash(public_key: PublicKey) -> bytes:
    """SHA-1 of the subjectPublicKey BIT STRING value (RFC 6960 ResponderID byKey)."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _alg, bits = der.children(spki)
    _tag, start, end = der.read_tlv(bits)
    return hashes_sha1(bits[start + 1 : end])


def hashes_sha1(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA1())  # noqa: S303 - mandated by RFC 6960 for key hashes
    digest.update(data)
    return digest.finalize()


@cache
def _stand_in_responder(key_type: str) -> x509.Certificate:
    import datetime as dt

    key = _stand_in_key(key_type)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "stand-in")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def sign_ocsp(
    signer: Signer, builder: ocsp.OCSPResponseBuilder, responder_cert: x509.Certificate
) -> bytes:
    """Sign a response whose builder still lacks responder_id and certificates."""
    if not signer.in_token:
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, responder_cert)
        builder = builder.certificates([responder_cert])
        response = builder.sign(signer.soft_key, signer.hash_algorithm)  # type: ignore[arg-type]
        return response.public_bytes(serialization.Encoding.DER)
    # Build with a stand-in responder, then put the real key hash, certificate and signature in.
    stand_in = _stand_in_responder(signer.key_type)
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, stand_in)
    response = builder.sign(signer.builder_key(), signer.hash_algorithm)
    data = response.public_bytes(serialization.Encoding.DER)
    # OCSPResponse = SEQ { status, [0] { SEQ { oid, OCTET STRING { BasicOCSPResponse } } } }
    status, tagged = der.children(data)
    response_bytes = der.children(tagged)[0]
    oid, octets = der.children(response_bytes)
    _tag, start, end = der.read_tlv(octets)
    basic_parts = der.children(octets[start:end])
    tbs = basic_parts[0].replace(
        _key_hash(stand_in.public_key()),
        _key_hash(signer.public_key),  # type: ignore[arg-type]
    )
    certs = der.tlv(0xA0, der.sequence(responder_cert.public_bytes(serialization.Encoding.DER)))
    basic = der.sequence(tbs, basic_parts[1], der.bit_string(signer.sign(tbs)), certs)
    rebuilt_bytes = der.sequence(oid, der.tlv(0x04, basic))
    return der.sequence(status, der.tlv(0xA0, rebuilt_bytes))


# --- software keys in encrypted PKCS#8 files --------------------------------------------------

_soft_cache: dict[str, PrivateKey] = {}
_lock = threading.Lock()


def _passphrase() -> bytes:
    value = setting("CA_KEY_PASSPHRASE", "")
    if value:
        return str(value).encode()
    path = pki_dir() / ".passphrase"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def _key_path(name: str):
    if not name.replace("-", "").replace("_", "").isalnum():
        raise KeyCustodyError("bad key name")
    return pki_dir() / f"{name}.p8.pem"


def _load_file_key(name: str) -> PrivateKey:
    with _lock:
        key = _soft_cache.get(name)
        if key is None:
            data = _key_path(name).read_bytes()
            key = serialization.load_pem_private_key(data, password=_passphrase())
            _soft_cache[name] = key  # type: ignore[assignment]
    return key  # type: ignore[return-value]


def _store_file_key(name: str, key: PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )
    fd = os.open(_key_path(name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


# --- PKCS#11 ----------------------------------------------------------------------------------


class _Token:
    """One logged-in session per process, re-opened after fork; calls are serialised."""

    def __init__(self) -> None:
        self._pid: int | None = None
        self._session = None
        self._lock = threading.Lock()
        self._keys: dict[str, object] = {}

    def session(self):
        import pkcs11

        if self._session is None or self._pid != os.getpid():
            module = pkcs11_module()
            if not module:
                raise KeyCustodyError("CA_PKCS11_MODULE is not set")
            lib = pkcs11.lib(module)
            label = str(setting("CA_PKCS11_TOKEN_LABEL", "SEKAP-CA"))
            token = lib.get_token(token_label=label)
            self._session = token.open(user_pin=str(setting("CA_PKCS11_PIN", "")), rw=True)
            self._pid = os.getpid()
            self._keys = {}
        return self._session

    def reset(self) -> None:
        with self._lock:
            if self._session is not None and self._pid == os.getpid():
                with contextlib.suppress(Exception):  # closing a dead session
                    self._session.close()
            self._session, self._pid, self._keys = None, None, {}

    def generate(self, label: str, key_type: str) -> Signer:
        from pkcs11 import Attribute, KeyType
        from pkcs11.util.ec import encode_named_curve_parameters

        private_template = {
            Attribute.SENSITIVE: True,
            Attribute.EXTRACTABLE: False,
            Attribute.SIGN: True,
            Attribute.TOKEN: True,
            Attribute.PRIVATE: True,
        }
        with self._lock:
            session = self.session()
            if key_type in _CURVES:
                curve = "secp256r1" if key_type == "EC-P256" else "secp384r1"
                params = session.create_domain_parameters(
                    KeyType.EC,
                    {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)},
                    local=True,
                )
                params.generate_keypair(store=True, label=label, private_template=private_template)
            else:
                session.generate_keypair(
                    KeyType.RSA,
                    int(key_type[4:]),
                    store=True,
                    label=label,
                    private_template=private_template,
                )
        return self.signer(label)

    def signer(self, label: str) -> Signer:
        from pkcs11 import Attribute, KeyType, ObjectClass
        from pkcs11.util.ec import encode_ec_public_key

        with self._lock:
            session = self.session()
            private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
            public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=label)
            if private.key_type == KeyType.EC:
                public_key = serialization.load_der_public_key(encode_ec_public_key(public))
            else:
                public_key = rsa.RSAPublicNumbers(
                    int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                    int.from_bytes(public[Attribute.MODULUS], "big"),
                ).public_key()
            self._keys[label] = private
        key_type = key_type_of(public_key)
        if key_type is None:
            raise KeyCustodyError("token key of an unsupported type")
        return Signer(key_ref=f"pkcs11:{label}", key_type=key_type, public_key=public_key)  # type: ignore[arg-type]

    def sign(
        self, signer: Signer, data: bytes, algorithm: hashes.HashAlgorithm | None = None
    ) -> bytes:
        from pkcs11 import Mechanism

        label = signer.key_ref.split(":", 1)[1]
        algorithm = algorithm or signer.hash_algorithm
        with self._lock:
            session = self.session()
            private = self._keys.get(label)
            if private is None:  # a new session (after fork or reset): find the key again
                from pkcs11 import ObjectClass

                private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=label)
                self._keys[label] = private
            if signer.key_type.startswith("EC-"):
                digest = hashes.Hash(algorithm)
                digest.update(data)
                raw = private.sign(digest.finalize(), mechanism=Mechanism.ECDSA)
                half = len(raw) // 2
                return encode_dss_signature(
                    int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big")
                )
            mechanism = (
                Mechanism.SHA384_RSA_PKCS
                if isinstance(algorithm, hashes.SHA384)
                else Mechanism.SHA256_RSA_PKCS
            )
            return private.sign(data, mechanism=mechanism)


_token_instance = _Token()


def _token() -> _Token:
    return _token_instance


# --- public API -------------------------------------------------------------------------------


def generate_key(*, name: str, key_type: str, backend: str | None = None) -> Signer:
    """Create a new CA key in the configured custody (PKCS#11 if a module is set, else file)."""
    if key_type not in KEY_TYPES:
        raise KeyCustodyError(f"unsupported key type {key_type}")
    backend = backend or ("pkcs11" if pkcs11_module() else "file")
    if backend == "pkcs11":
        return _token().generate(name, key_type)
    key = _generate_soft(key_type)
    _store_file_key(name, key)
    with _lock:
        _soft_cache[name] = key
    return Signer(
        key_ref=f"file:{name}", key_type=key_type, public_key=key.public_key(), soft_key=key
    )


_signer_cache: dict[str, Signer] = {}


def load_signer(key_ref: str) -> Signer:
    signer = _signer_cache.get(key_ref)
    if signer is not None and (signer.soft_key is not None or _token()._pid == os.getpid()):
        return signer
    backend, _sep, name = key_ref.partition(":")
    if backend == "file":
        key = _load_file_key(name)
        key_type = key_type_of(key.public_key())
        if key_type is None:
            raise KeyCustodyError("stored key of an unsupported type")
        signer = Signer(
            key_ref=key_ref, key_type=key_type, public_key=key.public_key(), soft_key=key
        )
    elif backend == "pkcs11":
        signer = _token().signer(name)
    elif backend == "offline":
        raise KeyOffline(f"{key_ref} is kept offline")
    else:
        raise KeyCustodyError("unknown key custody backend")
    _signer_cache[key_ref] = signer
    return signer


def forget_loaded_keys() -> None:
    """Drop every key held in memory (tests, and after rotating the token)."""
    with _lock:
        _soft_cache.clear()
    _signer_cache.clear()
    _token().reset()


# --- taking a key offline (the root CA after the ceremony) --------------------------------------


def is_offline(key_ref: str) -> bool:
    return key_ref.startswith(OFFLINE_PREFIX)


def spki_sha256(public_key: PublicKey) -> str:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashes_sha256(spki).hex()


def hashes_sha256(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(data)
    return digest.finalize()


def export_file_key(*, key_ref: str, path, passphrase: bytes) -> str:
    """Write the file-custody key ``key_ref`` to ``path`` (new file, 0600), encrypted under the
    offline ``passphrase``; read it back and check it. Returns the ``offline:`` reference."""
    backend, _sep, name = key_ref.partition(":")
    if backend != "file":
        raise KeyCustodyError(
            "only a file-custody key can be exported; a token key is taken offline by moving "
            "the token (see docs/decisions/certauth.md, key custody)"
        )
    if len(passphrase) < 12:
        raise KeyCustodyError("the offline passphrase must have at least 12 characters")
    key = _load_file_key(name)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    check = load_offline_signer(path=path, passphrase=passphrase)
    if spki_sha256(check.public_key) != spki_sha256(key.public_key()):
        raise KeyCustodyError("the exported key does not read back")
    return f"{OFFLINE_PREFIX}{spki_sha256(key.public_key())}"


def remove_file_key(key_ref: str) -> None:
    """Delete a file-custody key from the online store (overwritten first) and from memory."""
    backend, _sep, name = key_ref.partition(":")
    if backend != "file":
        raise KeyCustodyError("not a file-custody key")
    path = _key_path(name)
    if path.exists():
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.write(secrets.token_bytes(size))
            handle.flush()
            os.fsync(handle.fileno())
        path.unlink()
    with _lock:
        _soft_cache.pop(name, None)
    _signer_cache.pop(key_ref, None)


def load_offline_signer(*, path, passphrase: bytes) -> Signer:
    """A key from an offline file, for one ceremony; never cached, never stored online."""
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=passphrase)
    key_type = key_type_of(key.public_key())
    if key_type is None:
        raise KeyCustodyError("offline key of an unsupported type")
    return Signer(
        key_ref=f"{OFFLINE_PREFIX}{spki_sha256(key.public_key())}",  # type: ignore[arg-type]
        key_type=key_type,
        public_key=key.public_key(),  # type: ignore[arg-type]
        soft_key=key,  # type: ignore[arg-type]
    )
