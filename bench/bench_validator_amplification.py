"""CPU seconds one anonymous validation costs for the amplification document of issue 10
(about 9.5 MB, 29 whole-document references per signature), before and after the work budget.

"Before" is the validator at ``--before`` (a git revision, default: the last commit without
the fix), extracted into a temporary directory; "after" is this working tree. Each runs in its
own process and reports ``time.process_time()`` for one ``validate_document`` call, with the
indication and first error so a refusal is visible.

Usage: .venv/bin/python bench/bench_validator_amplification.py [--signatures 1] [--size 9500000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "a2e71e1"  # main before signatures/work.py landed

CHILD = """
import json, sys, time
from signatures.validator import ValidationPolicy, validate_document
data = open(sys.argv[1], "rb").read()
start = time.process_time()
report = validate_document(data, policy=ValidationPolicy())
spent = time.process_time() - start
errors = [e.code for e in report.errors] + [
    e.code for s in report.signatures for e in s.errors[:1]
]
print(json.dumps({"cpu": spent, "indication": report.indication, "errors": errors[:3]}))
"""


def build(pki, path: Path, **kwargs) -> int:
    from signatures.tests.amplification import amplification_document

    data = amplification_document(pki, **kwargs)
    path.write_bytes(data)
    return len(data)


def run(source: Path, document: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(document)],
        env=env,
        cwd=source,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=9_500_000)
    parser.add_argument("--signatures", type=int, default=1)
    parser.add_argument("--before", default=BEFORE)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from signatures.tests.pki import build_pki

    pki = build_pki()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        documents = {
            f"{args.signatures} signature(s) x 29 identical whole-document references": {
                "references": 29,
                "signatures": args.signatures,
            },
            "6 signatures x 12 distinct whole-document references (new limits)": {
                "references": 12,
                "signatures": 6,
                "distinct": True,
            },
        }
        old = tmp_path / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before, "signatures"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        for title, shape in documents.items():
            document = tmp_path / "attack.xml"
            size = build(pki, document, size=args.size, **shape)
            print(f"{title}: {size} bytes")
            for label, source in ((f"before ({args.before})", old), ("after", ROOT)):
                result = run(source, document)
                print(
                    f"  {label:18} CPU {result['cpu']:7.2f} s  {result['indication']:14} "
                    f"{', '.join(result['errors'])}"
                )


if __name__ == "__main__":
    main()
