"""Full XAdES B-B validations per second on one core, side by side in the same run:

* SEKAP ``signatures`` validator: format + XSW checks, XMLDSig core, XAdES properties,
  algorithm policy, path validation and revocation (warm OCSP/verdict caches), report;
* signxml ``XAdESVerifier`` with a pinned certificate (XMLDSig + SigningCertificate check only);
* python-xmlsec pinned-key verify (bare XMLDSig, no XAdES, no path checks).

Usage: .venv/bin/python bench/bench_xades_verify.py [--seconds 3] [--key rsa|ec]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import xmlsec
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.xades import XAdESVerifier

from signatures import pkix, signer
from signatures.tests.corpus.build import base_document
from signatures.tests.pki import build_pki
from signatures.validator import ValidationPolicy, validate_document


def measure(candidates: dict, seconds: float, rounds: int = 10) -> dict[str, float]:
    """Interleaved rounds; rate = operations per CPU-second of this process (= per core).

    CPU time (``time.process_time``) rather than wall time keeps other processes on a shared
    machine from skewing one candidate more than another; interleaving spreads any drift.
    """
    ops = dict.fromkeys(candidates, 0)
    cpu = dict.fromkeys(candidates, 0.0)
    for fn in candidates.values():
        for _ in range(30):
            fn()
    slice_ = seconds / rounds
    for _ in range(rounds):
        for name, fn in candidates.items():
            start = time.process_time()
            deadline = start + slice_
            n = 0
            while True:
                for _ in range(20):
                    fn()
                n += 20
                now = time.process_time()
                if now >= deadline:
                    break
            ops[name] += n
            cpu[name] += now - start
    return {name: ops[name] / cpu[name] for name in candidates}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=4.0, help="CPU seconds per candidate")
    parser.add_argument("--key", choices=["rsa", "ec"], default="rsa")
    args = parser.parse_args()
    pki = build_pki()
    ident = pki.issue("Bench signer", rsa_bits=2048 if args.key == "rsa" else None)
    document = base_document(5 * 1024)
    signed = signer.sign_enveloped(
        document, key=ident.signing_key, cert_chain=[ident.cert, pki.ca.cert]
    )
    policy = ValidationPolicy(trust_anchors=(pki.root.der,))
    env = pkix.PkixEnvironment()
    report = validate_document(signed, policy=policy, env=env)
    assert report.indication == "TOTAL_PASSED", report.to_dict()
    cert_pem = ident.cert.public_bytes(serialization.Encoding.PEM)

    def ours() -> None:
        result = validate_document(signed, policy=policy, env=env)
        if result.indication != "TOTAL_PASSED":
            raise AssertionError(result.to_dict())

    verifier = XAdESVerifier()

    def signxml_xades() -> None:
        verifier.verify(signed, x509_cert=cert_pem.decode(), expect_references=2)

    key = xmlsec.Key.from_memory(cert_pem, xmlsec.constants.KeyDataFormatCertPem)

    def xmlsec_pinned() -> None:
        root = etree.fromstring(signed)
        xmlsec.tree.add_ids(root, ["Id"])
        node = xmlsec.tree.find_node(root, xmlsec.constants.NodeSignature)
        ctx = xmlsec.SignatureContext()
        ctx.key = key
        ctx.verify(node)

    signxml_xades()
    xmlsec_pinned()
    print(
        f"Document: {len(document)} B before signing, {len(signed)} B signed; "
        f"key {args.key.upper()}; one process (= one core)"
    )
    print(f"  load average at start: {os.getloadavg()[0]:.2f}")
    rates = measure(
        {
            "SEKAP validator (full B-B, warm revocation caches)": ours,
            "signxml XAdESVerifier, pinned certificate": signxml_xades,
            "python-xmlsec, pinned key, bare XMLDSig": xmlsec_pinned,
        },
        args.seconds,
    )
    for label, per_second in rates.items():
        print(f"  {label:<58} {per_second:>9,.0f} /s  {1000 / per_second:.3f} ms/op (CPU)")
    ours_rate, signxml_rate, xmlsec_rate = rates.values()
    print(
        f"  ours / signxml XAdES: {ours_rate / signxml_rate:.1f}x; "
        f"ours / bare xmlsec: {ours_rate / xmlsec_rate:.2f}x"
    )
    print("  goal: >= 2,000 full validations/s per core")
    pki.stop()


if __name__ == "__main__":
    main()
