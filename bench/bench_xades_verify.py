"""XAdES B-B validations per second on one core, through the service entry point that the
intake pipeline and the API use (``signatures.services.validate``), with the peers of the same
run. Three workloads:

* same signer: one signed document validated again and again (the verdict cache answers the
  certificate part, as for a citizen who files twice);
* distinct signers, warm: 1,000 documents signed by 1,000 different certificates of one
  issuing CA, each validated once, with the CA's revocation data already fetched (the normal
  state of a running worker);
* cold: distinct signers, each with a fresh environment (no cached revocation data or chain:
  the first validation after a worker starts).

Peers: signxml ``XAdESVerifier`` with the certificate pinned (XMLDSig + SigningCertificate
only: no path, no revocation, no policy), and our bare validator (``validate_document`` with
a policy built once) on the same signer. Rates are per CPU-second of this process (= per core);
the test PKI's HTTP responder runs in a thread of this process, so its work is counted too.

Each timed phase starts with a full garbage collection (so that no phase pays for the objects
the setup or an earlier phase left behind); the CPU time of the collections run inside a
phase is printed beside its rate ("gc"): a new signer's certificate objects are kept by the
caches and so, every thousand or so signers, bring on a full collection of the heap. A run of
1,000 signers may end before the first; ``--signers 3000`` includes that steady state.

Usage: .venv/bin/python bench/bench_xades_verify.py [--signers 1000] [--seconds 3]
Goal (issue 14): distinct signers >= 1,000/s per core, the cold figure printed beside it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="sekap-bench-xades-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'db.sqlite3'}"
os.environ.pop("REDIS_URL", None)
os.environ["SEKAP_VAR_DIR"] = str(WORK / "var")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from signxml.xades import XAdESVerifier  # noqa: E402

from signatures import services, signer  # noqa: E402
from signatures.tests.corpus.build import base_document  # noqa: E402
from signatures.tests.pki import build_pki  # noqa: E402
from signatures.validator import validate_document  # noqa: E402

PKI = None


def bench_anchors() -> list[bytes]:
    """``SIGNATURES_TRUST_ANCHORS_PROVIDER`` of the run: the test PKI's root."""
    return [PKI.root.der]


class GcClock:
    """CPU seconds spent in the garbage collector since :meth:`reset` (a full collection first)."""

    def __init__(self) -> None:
        self.spent = 0.0
        self._started = 0.0
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.spent += time.process_time() - self._started

    def reset(self) -> None:
        gc.collect()
        self.spent = 0.0


GC = GcClock()


def cpu_rate(fn, items) -> float:
    GC.reset()
    start = time.process_time()
    count = 0
    for item in items:
        fn(item)
        count += 1
    return count / (time.process_time() - start)


def cpu_rate_for(fn, seconds: float) -> float:
    for _ in range(20):
        fn()
    GC.reset()
    start = time.process_time()
    count = 0
    while time.process_time() - start < seconds:
        for _ in range(20):
            fn()
        count += 20
    return count / (time.process_time() - start)


def passed(report) -> None:
    if report.indication != "TOTAL_PASSED":
        raise AssertionError(report.to_dict())


def profile_distinct(docs: list[bytes]) -> None:
    """``bench/profiles/xades_distinct.txt``: where the time of a new signer goes."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile(time.process_time)  # CPU time: preemption is not ours
    GC.reset()  # outside the profile
    profiler.enable()
    start = time.process_time()
    for doc in docs:
        passed(services.validate(doc))
    rate = len(docs) / (time.process_time() - start)
    profiler.disable()
    out = io.StringIO()
    out.write(f"{len(docs)} distinct signers, warm, profiled: {rate:,.0f}/s (CPU); "
              f"load average {os.getloadavg()}\n\n")  # fmt: skip
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    (ROOT / "bench" / "profiles" / "xades_distinct.txt").write_text(out.getvalue())
    print(out.getvalue()[:200])


def main() -> None:
    global PKI
    parser = argparse.ArgumentParser()
    parser.add_argument("--signers", type=int, default=1000)
    parser.add_argument("--cold", type=int, default=100, help="documents in the cold run")
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the distinct signers instead of timing"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    PKI = build_pki()
    settings.SIGNATURES_TRUST_ANCHORS_PROVIDER = f"{__name__}.bench_anchors"
    settings.SIGNATURES_LOCAL_PKI_PROVIDER = ""  # the test PKI answers over HTTP
    services.reset_environment()

    document = base_document(5 * 1024)
    print(f"Issuing and signing for {args.signers + args.cold + 1} distinct signers ...")
    signed = []
    certs = []
    for i in range(args.signers + args.cold + 1):
        ident = PKI.issue(f"Signer {i}", subject={"serial": f"PNOPL-{90010100000 + i}"})
        signed.append(
            signer.sign_enveloped(
                document, key=ident.signing_key, cert_chain=[ident.cert, PKI.ca.cert]
            )
        )
        certs.append(ident.cert.public_bytes(serialization.Encoding.PEM).decode())
    same, warm_docs, cold_docs = signed[0], signed[1 : args.signers + 1], signed[args.signers + 1 :]
    passed(services.validate(same))  # warms the CA's revocation data and the issuing chain

    print(f"Document: {len(document)} B before signing, {len(same)} B signed; EC P-256 signers")
    print(f"  load average at start: {os.getloadavg()[0]:.2f}")
    if args.profile:
        profile_distinct(warm_docs)
        PKI.stop()
        return
    gc_share = {}
    same_rate = cpu_rate_for(lambda: passed(services.validate(same)), args.seconds)
    gc_share["same"] = GC.spent / (same_rate * args.seconds)  # about the ops timed
    distinct_rate = cpu_rate(lambda doc: passed(services.validate(doc)), warm_docs)
    gc_share["distinct"] = GC.spent / len(warm_docs)

    def cold(doc: bytes) -> None:
        services.reset_environment()
        passed(services.validate(doc))

    cold_rate = cpu_rate(cold, cold_docs)
    gc_share["cold"] = GC.spent / len(cold_docs)

    policy = services.validation_policy()
    env = services.environment()
    bare_rate = cpu_rate_for(
        lambda: passed(validate_document(same, policy=policy, env=env)), args.seconds
    )
    verifier = XAdESVerifier()
    pairs = list(zip(warm_docs, certs[1 : args.signers + 1], strict=True))
    signxml_rate = cpu_rate(
        lambda pair: verifier.verify(pair[0], x509_cert=pair[1], expect_references=2), pairs
    )

    gc_share["signxml"] = GC.spent / len(pairs)

    rows = [
        ("services.validate, same signer", same_rate, "same"),
        (f"services.validate, {len(warm_docs)} distinct signers, warm", distinct_rate, "distinct"),
        (f"services.validate, {len(cold_docs)} distinct signers, cold", cold_rate, "cold"),
        ("bare validate_document, same signer (policy built once)", bare_rate, None),
        ("peer: signxml XAdESVerifier, pinned certificate, distinct", signxml_rate, "signxml"),
    ]
    for label, rate, key in rows:
        collected = f"  gc {gc_share[key] * 1000:.3f} ms/op" if key in gc_share else ""
        print(f"  {label:<62} {rate:>8,.0f} /s  {1000 / rate:.3f} ms/op (CPU){collected}")
    print(
        f"  distinct warm / signxml pinned: {distinct_rate / signxml_rate:.2f}x; "
        f"same signer / bare validator: {same_rate / bare_rate:.2f}x"
    )
    print("  goal: distinct signers >= 1,000/s per core")
    PKI.stop()


if __name__ == "__main__":
    main()
