"""CRL generation with 100,000 revoked certificates (database read included); goal <= 1 s.

Peer figure in the same run: the same entries through cryptography's RevokedCertificateBuilder
list passed to the CRL builder at once. SEKAP encodes each entry once, when the certificate is
revoked (``Certificate.crl_entry``), so publishing only joins stored encodings; the peer builds
its entries inside its timer. To compare like with like, the encoding of all the entries is
timed too (the same ``crl_entry_der`` calls revocation makes) and printed beside, with the sum.

    .venv/bin/python bench/bench_ca_crl.py [entries]
"""

from __future__ import annotations

import datetime as dt
import secrets
import sys
import time

from bench_ca_common import setup


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    setup("crl")
    from cryptography import x509
    from django.utils import timezone

    from certauth import keys
    from certauth.models import Certificate, CertificateAuthority
    from certauth.services.crl import crl_entry_der, crl_publish
    from certauth.services.issuance import ca_certificate

    ca = CertificateAuthority.objects.get(slug="sekap-issuing")
    now = timezone.now().replace(microsecond=0)
    reasons = ["key_compromise", "superseded", "unspecified", "cessation_of_operation"]
    serials = [secrets.randbits(127) | (1 << 120) for _ in range(entries)]
    start = time.perf_counter()
    encoded = [
        crl_entry_der(serial=serial, revoked_at=now, reason=reasons[i % 4])
        for i, serial in enumerate(serials)
    ]
    encoding = time.perf_counter() - start
    rows = []
    for i, serial in enumerate(serials):
        reason = reasons[i % 4]
        rows.append(
            Certificate(
                ca=ca,
                serial_hex=format(serial, "x"),
                subject="CN=x",
                common_name="x",
                key_type="EC-P256",
                der=b"",
                sha256=format(serial, "064x"),
                not_before=now,
                not_after=now,
                status="revoked",
                revoked_at=now,
                revocation_reason=reason,
                status_seq=i + 1,
                crl_entry=encoded[i],
            )
        )
    Certificate.objects.bulk_create(rows, batch_size=5000)
    CertificateAuthority.objects.filter(pk=ca.pk).update(status_seq=entries)
    del rows, encoded

    start = time.perf_counter()
    full, delta = crl_publish(ca=ca)
    ours = time.perf_counter() - start
    parsed = x509.load_der_x509_crl(bytes(full.der))
    issuer = ca_certificate(ca)
    assert len(parsed) == entries and parsed.is_signature_valid(issuer.public_key())

    signer = keys.load_signer(ca.key_ref)
    start = time.perf_counter()
    flags = {r: x509.CRLReason(x509.ReasonFlags[r]) for r in reasons}
    pairs = Certificate.objects.filter(ca=ca, status="revoked").values_list(
        "serial_hex", "revoked_at", "revocation_reason"
    )
    revoked = []
    for serial_hex, revoked_at, reason in pairs:
        builder = x509.RevokedCertificateBuilder().serial_number(int(serial_hex, 16))
        builder = builder.revocation_date(revoked_at)
        if reason != "unspecified":
            builder = builder.add_extension(flags[reason], False)
        revoked.append(builder.build())
    x509.CertificateRevocationListBuilder(
        issuer_name=issuer.subject,
        last_update=now,
        next_update=now + dt.timedelta(days=1),
        revoked_certificates=revoked,
    ).sign(signer.soft_key, signer.hash_algorithm)
    peer = time.perf_counter() - start
    print(
        f"{entries} revoked entries, full CRL {len(full.der) / 2**20:.1f} MiB, "
        f"delta entries {delta.entries}"
    )
    print(f"SEKAP crl_publish (DB read, full + delta, sign, store, audit): {ours:6.2f} s")
    print(f"SEKAP per-entry encodings (made at revocation, timed here):      {encoding:6.2f} s")
    print(
        f"SEKAP publish + encodings (like for like with the peer):        {ours + encoding:6.2f} s"
    )
    print(f"cryptography RevokedCertificateBuilder list (DB read + build + sign): {peer:6.2f} s")


if __name__ == "__main__":
    main()
