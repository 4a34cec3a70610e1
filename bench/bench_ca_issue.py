"""Certificates issued per second: SEKAP's service layer (DB + audit) vs bare cryptography.

.venv/bin/python bench/bench_ca_issue.py [count]
"""

from __future__ import annotations

import sys
import time

from bench_ca_common import setup


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    setup("issue")
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    from certauth import keys
    from certauth.models import CertificateAuthority, Profile
    from certauth.services.issuance import (
        ca_certificate,
        certificate_issue,
        citizen_subject,
        profile_extensions,
        random_serial,
    )

    ca = CertificateAuthority.objects.get(slug="sekap-issuing")
    profile = Profile.objects.get(slug="citizen-signing")
    subject = citizen_subject(given_name="Anna", surname="Nowak", pesel="44051401359")
    public_keys = [ec.generate_private_key(ec.SECP256R1()).public_key() for _ in range(count)]
    signer = keys.load_signer(ca.key_ref)
    issuer = ca_certificate(ca)

    start = time.perf_counter()
    for public_key in public_keys:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject)
            .public_key(public_key)
            .serial_number(random_serial())
            .not_valid_before(issuer.not_valid_before_utc)
            .not_valid_after(issuer.not_valid_after_utc)
        )
        for extension, critical in profile_extensions(
            profile=profile, ca=ca, public_key=public_key
        ):
            builder = builder.add_extension(extension, critical)
        builder.sign(signer.soft_key, signer.hash_algorithm)
    bare = count / (time.perf_counter() - start)

    start = time.perf_counter()
    for public_key in public_keys:
        certificate_issue(
            ca=ca, profile=profile, public_key=public_key, subject=subject, actor=None
        )
    ours = count / (time.perf_counter() - start)
    print(f"CA key: {signer.key_type} ({signer.key_ref.split(':')[0]}), {count} certificates")
    print(f"SEKAP certificate_issue (build, sign, INSERT, audit): {ours:8.0f} /s")
    print(f"bare cryptography build+sign, same key and extensions: {bare:8.0f} /s")
    print(f"ratio: {ours / bare:.2f}")


if __name__ == "__main__":
    main()
