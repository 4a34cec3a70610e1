"""PAdES validations per second on one core for a 1-page and a 100-page signed PDF, through the
service entry point the intake and the API use (``signatures.services.validate``), beside
pyHanko's own validation of the same files in the same run.

Ours: pyHanko reads the PDF and checks the CMS signature, coverage and changes after signing;
the platform's trust anchors and revocation policy judge the signer (``pkix.check_certificate``,
OCSP/CRL fetched through the platform's fetcher and cached), and the typed report is built.

Peer: ``pyhanko.sign.validation.validate_pdf_signature`` with a ``ValidationContext`` holding
the same trust root and intermediate, revocation checking required (``CRL_OR_OCSP_REQUIRED``)
and the test PKI's CRLs handed in beforehand (no fetching during the timed loop): pyHanko's
complete validation of one signature.

Warm: the same document again and again (for ours, the signer's verdict is cached; for the peer,
one ValidationContext reused, which caches its own path results). Cold: for ours a fresh
environment per validation (the revocation data is fetched again from the test PKI over HTTP,
the responder's thread counted in this process's CPU); for the peer a new ValidationContext.
Rates are per CPU-second of this process (= per core).

Usage: .venv/bin/python bench/bench_pades.py [--seconds 3] [--cold 30]
Goal (issue 15): ours <= 1.2x pyHanko's time per validation.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="sekap-bench-pades-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ.pop("REDIS_URL", None)
os.environ["SEKAP_VAR_DIR"] = str(WORK / "var")

import django  # noqa: E402

django.setup()

import urllib.request  # noqa: E402

from asn1crypto import crl as asn1_crl  # noqa: E402
from asn1crypto import x509 as asn1_x509  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402
from pyhanko_certvalidator.policy_decl import (  # noqa: E402
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from signatures import services  # noqa: E402
from signatures.tests.pdfs import make_pdf, sign_pdf  # noqa: E402
from signatures.tests.pki import build_pki  # noqa: E402

PKI = None


def bench_anchors() -> list[bytes]:
    """``SIGNATURES_TRUST_ANCHORS_PROVIDER`` of the run: the test PKI's root."""
    return [PKI.root.der]


def rate_for(fn, seconds: float) -> float:
    for _ in range(3):
        fn()
    start = time.process_time()
    count = 0
    while time.process_time() - start < seconds:
        fn()
        count += 1
    return count / (time.process_time() - start)


def rate_over(fn, times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        fn()
    return times / (time.process_time() - start)


def ours(data: bytes) -> None:
    report = services.validate(data)
    if report.indication != "TOTAL_PASSED":
        raise AssertionError(report.to_dict())


def ours_cold(data: bytes) -> None:
    services.reset_environment()
    ours(data)


def peer_context() -> ValidationContext:
    crls = [
        asn1_crl.CertificateList.load(urllib.request.urlopen(f"{PKI.base_url}/{name}").read())
        for name in ("ca.crl", "root.crl")
    ]
    return ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(PKI.root.der)],
        other_certs=[asn1_x509.Certificate.load(PKI.ca.der)],
        crls=crls,
        allow_fetching=False,
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(
                ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
            )
        ),
    )


def peer(data: bytes, context: ValidationContext) -> None:
    reader = PdfFileReader(io.BytesIO(data))
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    if not (status.bottom_line and status.trusted):
        raise AssertionError(status.pretty_print_details())


def main() -> None:
    global PKI
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--cold", type=int, default=30, help="validations in each cold run")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    PKI = build_pki()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = f"{__name__}.bench_anchors"
    settings.SIGNATURES_LOCAL_PKI_PROVIDER = ""  # the test PKI answers over HTTP
    services.reset_environment()
    chain = [PKI.signer.cert, PKI.ca.cert]
    documents = {
        pages: sign_pdf(make_pdf(pages), key=PKI.signer.key, chain=chain) for pages in (1, 100)
    }
    print(f"load average at start: {os.getloadavg()}")
    rows = []
    for pages, data in documents.items():
        ours(data)  # fetches the revocation data once: the normal state of a running worker
        context = peer_context()
        peer(data, context)
        warm_ours = rate_for(lambda data=data: ours(data), args.seconds)
        warm_peer = rate_for(lambda data=data, c=context: peer(data, c), args.seconds)
        cold_ours = rate_over(lambda data=data: ours_cold(data), args.cold)
        cold_peer = rate_over(lambda data=data: peer(data, peer_context()), args.cold)
        rows.append((pages, len(data), warm_ours, warm_peer, cold_ours, cold_peer))
    print(f"{'PDF':<22}{'':>10}{'ours /s':>10}{'pyHanko /s':>12}{'ours ms':>10}"
          f"{'pyHanko ms':>12}{'time ratio':>12}")  # fmt: skip
    for pages, size, warm_ours, warm_peer, cold_ours, cold_peer in rows:
        for label, mine, theirs in (("warm", warm_ours, warm_peer), ("cold", cold_ours, cold_peer)):
            print(
                f"{pages:>3} page(s), {size:>7,} B {label:>8}{mine:>10,.0f}{theirs:>12,.0f}"
                f"{1000 / mine:>10.2f}{1000 / theirs:>12.2f}{theirs / mine:>11.2f}x"
            )
    print("time ratio = ours' time per validation / pyHanko's (goal: <= 1.2)")
    print(f"load average at end: {os.getloadavg()}")
    PKI.stop()


if __name__ == "__main__":
    main()
