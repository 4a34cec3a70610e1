"""Helpers shared by the test suites."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"


def unavailable(reason: str, *, required: bool) -> None:
    """Skip when a service is missing, or fail when CI says it must be there."""
    if required:
        pytest.fail(f"required but unavailable: {reason}", pytrace=False)
    pytest.skip(reason)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the database Django is connected to (the test database)."""
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def softhsm_reload() -> None:
    """Make this process see a SoftHSM token just created with ``softhsm2-util``.

    SoftHSM reads ``SOFTHSM2_CONF`` and its token directory when the PKCS#11 library is
    initialised, once per process; a test that points it elsewhere must re-initialise it.
    """
    import pkcs11

    pkcs11.lib(SOFTHSM_MODULE).reinitialize()


# The EICAR anti-virus test file, in two halves so this source file is not itself flagged.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def clamd_running(settings):
    """A clamd that answers (CLAMD_SOCKET/CLAMD_HOST); skipped without one, failed in CI."""
    from sekap import antivirus

    if not (settings.CLAMD_SOCKET or settings.CLAMD_HOST):
        unavailable("clamd is not configured (CLAMD_SOCKET)", required=REQUIRE_SERVICES)
    status = antivirus.status()
    if not status.ok:
        unavailable(f"clamd does not answer: {status.detail}", required=REQUIRE_SERVICES)
    return status


def examples(count: int) -> int:
    """Examples for a Hypothesis property: ``count`` in ``make test`` and CI (derandomised, the
    "ci" profile), scaled up by ``make fuzz`` (random seeds, ``HYPOTHESIS_EXAMPLES_SCALE``)."""
    return count * max(1, int(os.environ.get("HYPOTHESIS_EXAMPLES_SCALE", "1")))


def required_tool(name: str) -> str:
    """The path of a command-line tool a test needs: skipped without it, failed in CI."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed", required=REQUIRE_SERVICES)
    return path


@pytest.fixture
def xmlsec1_installed() -> str:
    """The xmlsec1 command (the reference implementation our signatures must satisfy)."""
    return required_tool("xmlsec1")


def require_softhsm() -> None:
    """SoftHSM2 (module and softhsm2-util): skipped without it, failed in CI."""
    if not Path(SOFTHSM_MODULE).exists():
        unavailable("SoftHSM2 is not installed", required=REQUIRE_SERVICES)
    required_tool("softhsm2-util")


def require_postgresql(vendor: str, reason: str) -> None:
    """A test of PostgreSQL behaviour: skipped on SQLite, failed when CI requires services
    (the second pass runs on PostgreSQL, so nothing of it may skip there)."""
    if vendor != "postgresql":
        unavailable(reason, required=REQUIRE_SERVICES)


def object_storage_bucket_ensure(settings_storage: dict) -> None:
    """Create the bucket the S3 storage settings name, unless it exists (a new S3 server)."""
    import boto3
    from botocore.exceptions import ClientError

    options = settings_storage["OPTIONS"]
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        aws_access_key_id=options["access_key"] or None,
        aws_secret_access_key=options["secret_key"] or None,
        region_name=options["region_name"],
    )
    try:
        client.head_bucket(Bucket=options["bucket_name"])
    except ClientError:
        client.create_bucket(Bucket=options["bucket_name"])


@pytest.fixture
def object_storage(settings):
    """The default storage is an S3 bucket (OBJECT_STORAGE_URL); skipped without, failed in CI."""
    if not settings.OBJECT_STORAGE_URL:
        unavailable("no S3 server configured (OBJECT_STORAGE_URL)", required=REQUIRE_SERVICES)
    from django.core.files.storage import storages

    storage = storages["default"]
    try:
        storage.bucket.meta.client.head_bucket(Bucket=storage.bucket_name)
    except Exception as exc:  # any failure means the server is not usable
        unavailable(f"the S3 server does not answer: {exc}", required=REQUIRE_SERVICES)
    return storage
