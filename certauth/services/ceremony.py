"""The key ceremony: root CA, issuing CA, OCSP responder and time-stamping unit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.db import transaction
from django.utils import timezone

from sekap import audit

from .. import der, keys
from ..conf import setting
from ..models import CertificateAuthority, Profile, ServiceIdentity
from .crl import crl_publish
from .issuance import (
    ca_urls,
    certificate_issue,
    service_subject,
    sign_and_store,
)

ROOT_SLUG = "sekap-root"
ISSUING_SLUG = "sekap-issuing"


def _name(cn: str) -> x509.Name:
    return service_subject(cn)


def _lookup_hashes(cert: x509.Certificate) -> dict[str, str]:
    name = cert.subject.public_bytes()
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The key hash is over the subjectPublicKey BIT STRING value (RFC 6960 §4.1.1).
    _alg, bitstring = der.children(spki)
    _tag, start, end = der.read_tlv(bitstring)
    key_bits = bitstring[start + 1 : end]
    return {
        "name_sha1": hashlib.sha1(name).hexdigest(),  # noqa: S324 - mandated by RFC 6960
        "key_sha1": hashlib.sha1(key_bits).hexdigest(),  # noqa: S324
        "name_sha256": hashlib.sha256(name).hexdigest(),
        "key_sha256": hashlib.sha256(key_bits).hexdigest(),
    }


def _create_ca(
    *,
    slug: str,
    name: str,
    key_type: str,
    parent: CertificateAuthority | None,
    years: int,
    path_length: int,
) -> CertificateAuthority:
    signer = keys.generate_key(name=f"{slug}-{secrets.token_hex(4)}", key_type=key_type)
    subject = _name(name)
    ski = x509.SubjectKeyIdentifier.from_public_key(signer.public_key)
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=True, path_length=path_length), True),
        (
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        ),
        (ski, False),
    ]
    now = timezone.now().replace(microsecond=0)
    not_after = now + dt.timedelta(days=365 * years)
    if parent is None:
        extensions.append(
            (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        )
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(signer.public_key)
            .serial_number(secrets.randbits(127) | (1 << 120))
            .not_valid_before(now)
            .not_valid_after(not_after)
        )
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical)
        cert = keys.sign_certificate(signer, builder)
    else:
        from .issuance import ca_certificate

        parent_cert = ca_certificate(parent)
        urls = ca_urls(parent)
        extensions += [
            (
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                    parent_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
                ),
                False,
            ),
            (
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(urls["ca_issuers"]),
                        )
                    ]
                ),
                False,
            ),
            (
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(urls["crl"])],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                False,
            ),
            (
                x509.CertificatePolicies(
                    [x509.PolicyInformation(x509.ObjectIdentifier("2.5.29.32.0"), None)]
                ),
                False,
            ),
        ]
        stored = sign_and_store(
            ca=parent,
            subject=subject,
            public_key=signer.public_key,
            extensions=extensions,
            validity=dt.timedelta(days=365 * years),
            profile=None,
            is_ca=True,
        )
        cert = x509.load_der_x509_certificate(bytes(stored.der))
    ca = CertificateAuthority.objects.create(
        slug=slug,
        name=name,
        parent=parent,
        certificate_der=cert.public_bytes(serialization.Encoding.DER),
        key_ref=signer.key_ref,
        key_type=signer.key_type,
        subject=cert.subject.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        **_lookup_hashes(cert),
    )
    return ca


def _create_service(
    *, kind: str, ca: CertificateAuthority, profile_slug: str, common_name: str, key_type: str
) -> ServiceIdentity:
    profile = Profile.objects.get(slug=profile_slug)
    signer = keys.generate_key(name=f"{kind}-{secrets.token_hex(4)}", key_type=key_type)
    certificate = certificate_issue(
        ca=ca,
        profile=profile,
        public_key=signer.public_key,
        subject=_name(common_name),
        actor=None,
    )
    return ServiceIdentity.objects.create(
        kind=kind, ca=ca, certificate=certificate, key_ref=signer.key_ref
    )


@dataclass
class CeremonyResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


@transaction.atomic
def ca_init(*, actor: Any = None, key_type: str | None = None) -> CeremonyResult:
    """Create whatever part of the hierarchy is missing; never touches what exists."""
    result = CeremonyResult()
    root_type = key_type or str(setting("CERTAUTH_ROOT_KEY_TYPE", "EC-P384"))
    leaf_type = key_type or str(setting("CERTAUTH_KEY_TYPE", "EC-P256"))
    root = CertificateAuthority.objects.filter(slug=ROOT_SLUG).first()
    if root is None:
        root = _create_ca(
            slug=ROOT_SLUG,
            name="SEKAP Root CA",
            key_type=root_type,
            parent=None,
            years=20,
            path_length=1,
        )
        result.created.append(ROOT_SLUG)
    else:
        result.existing.append(ROOT_SLUG)
    issuing = CertificateAuthority.objects.filter(slug=ISSUING_SLUG).first()
    if issuing is None:
        issuing = _create_ca(
            slug=ISSUING_SLUG,
            name="SEKAP Issuing CA 1",
            key_type=leaf_type,
            parent=root,
            years=10,
            path_length=0,
        )
        result.created.append(ISSUING_SLUG)
    else:
        result.existing.append(ISSUING_SLUG)
    for kind, profile_slug, cn in (
        ("ocsp", "ocsp-responder", "SEKAP OCSP Responder"),
        ("tsa", "time-stamping", "SEKAP Time-Stamping Unit"),
    ):
        if ServiceIdentity.objects.filter(kind=kind, ca=issuing, is_active=True).exists():
            result.existing.append(kind)
            continue
        _create_service(
            kind=kind, ca=issuing, profile_slug=profile_slug, common_name=cn, key_type=leaf_type
        )
        result.created.append(kind)
    if result.created:
        audit.record(
            actor=actor,
            action="certauth.key_ceremony",
            target=issuing,
            after={
                "created": result.created,
                "root_sha256": hashlib.sha256(bytes(root.certificate_der)).hexdigest(),
                "issuing_sha256": hashlib.sha256(bytes(issuing.certificate_der)).hexdigest(),
                "custody": issuing.key_ref.split(":", 1)[0],
            },
        )
        for ca in (root, issuing):
            if not ca.crls.exists() or ca.slug in result.created:
                crl_publish(ca=ca, actor=actor)
    return result


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


# --- the root key offline -----------------------------------------------------------------------

ROOT_CRL_VALIDITY_DAYS = 180


def root_crl_validity() -> dt.timedelta:
    return dt.timedelta(
        days=float(setting("CERTAUTH_ROOT_CRL_VALIDITY_DAYS", ROOT_CRL_VALIDITY_DAYS))
    )


def root_take_offline(*, export_to: Any, passphrase: bytes, actor: Any = None) -> str:
    """End of the ceremony: the root key leaves the online store.

    A root CRL valid for ``CERTAUTH_ROOT_CRL_VALIDITY_DAYS`` is signed first (while the key is
    still here), then the key is written, encrypted under the offline ``passphrase``, to
    ``export_to`` (a new file, meant for removable media kept in a safe), read back and
    checked; the root's ``key_ref`` becomes ``offline:<SPKI SHA-256>`` and, on commit, the
    online key file is overwritten and deleted. The issuing CA keeps signing online.
    Returns the new reference.
    """
    with transaction.atomic():
        root = CertificateAuthority.objects.select_for_update().get(slug=ROOT_SLUG)
        if keys.is_offline(root.key_ref):
            raise keys.KeyOffline("the root key is offline already")
        online_ref = root.key_ref
        crl_publish(ca=root, actor=actor, validity=root_crl_validity())
        offline_ref = keys.export_file_key(
            key_ref=online_ref, path=export_to, passphrase=passphrase
        )
        root.key_ref = offline_ref
        root.save(update_fields=["key_ref"])
        audit.record(
            actor=actor,
            action="certauth.root_key_offline",
            target=root,
            before={"key_ref": online_ref},
            after={"key_ref": offline_ref},
        )
        transaction.on_commit(lambda: keys.remove_file_key(online_ref))
    return offline_ref


def root_crl_sign(*, key_path: Any, passphrase: bytes, actor: Any = None) -> tuple[Any, Any]:
    """Sign the root's next CRL with the offline key (run in the ceremony that brings it out)."""
    signer = keys.load_offline_signer(path=key_path, passphrase=passphrase)
    root = CertificateAuthority.objects.get(slug=ROOT_SLUG)
    return crl_publish(ca=root, actor=actor, signer=signer, validity=root_crl_validity())
