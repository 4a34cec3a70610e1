"""Shared setup for the CA benchmarks: a throw-away SEKAP instance with a fresh CA.

Uses a temporary SQLite database unless BENCH_DATABASE_URL is set (e.g. a scratch PostgreSQL
database); never touches var/ or the development database.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(tag: str) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix=f"sekap-bench-{tag}-"))
    sys.path.insert(0, str(ROOT))
    os.environ["SEKAP_VAR_DIR"] = str(workdir)
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"
    )
    os.environ.setdefault("CA_KEY_PASSPHRASE", "bench passphrase")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sekap.settings")
    os.environ["AXES_ENABLED"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    key_type = os.environ.get("BENCH_KEY_TYPE")  # e.g. RSA-2048 for every CA and service key
    extra = ["--key-type", key_type] if key_type else []
    call_command("ca_init", "--if-missing", *extra, stdout=io.StringIO())
    return workdir
