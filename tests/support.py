"""Helpers shared by the test suites."""

from __future__ import annotations

import os
import re
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


def transactional(item) -> bool:
    """Whether a test commits (``transaction=True``, ``transactional_db``, a live server)."""
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(names)
    )


class SharedRows:
    """Rows made once for the tests of one module that ask for them (Django's
    ``setUpTestData``): made in a transaction that each of those tests runs inside (the test's
    own transaction a savepoint of it, rolled back after the test). The transaction is rolled
    back when the module ends or when the next test does not ask for the rows (see the root
    conftest), so no other test sees them; a later test of the module asking for them then gets
    them made again in its own transaction. Only for tests that do not commit."""

    open: list[SharedRows] = []

    def __init__(self, fixture: str, make) -> None:
        self.fixture = fixture
        self.value = None
        self._atomic = None
        self._make = make
        self._blocker = None

    def begin(self, django_db_blocker) -> None:
        from django.db import transaction

        self._blocker = django_db_blocker
        with django_db_blocker.unblock():
            self._atomic = transaction.atomic()
            # what a test's code does inside runs as in a test's own transaction (sekap.storage)
            self._atomic._from_testcase = True
            self._atomic.__enter__()
            SharedRows.open.append(self)
            try:
                self.value = self._make()
            except BaseException:
                self.end()
                raise

    @classmethod
    def made(cls, fixture: str, make, django_db_blocker):
        """The body of a module-scoped fixture: ``yield from SharedRows.made(...)``."""
        shared = cls(fixture, make)
        shared.begin(django_db_blocker)
        try:
            yield shared
        finally:
            shared.end()

    @property
    def active(self) -> bool:
        return self._atomic is not None

    def get(self, request):
        """What ``make`` returned, for this test; None when the rows were rolled back after a
        test of the module that did not ask for them (the test then makes its own)."""
        assert not transactional(request.node), f"a test that commits cannot share {self.fixture}"
        return self.value if self.active else None

    def end(self) -> None:
        from django.db import transaction

        if self._atomic is None:
            return
        atomic, self._atomic, self.value = self._atomic, None, None
        SharedRows.open.remove(self)
        with self._blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    @classmethod
    def end_unless_wanted(cls, item, nextitem) -> None:
        """After a test: roll back the shared rows the next test does not ask for."""
        for shared in list(cls.open):
            if (
                nextitem is None
                or nextitem.module is not item.module
                or shared.fixture not in nextitem.fixturenames
                or transactional(nextitem)
            ):
                shared.end()


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The SQL of every query the ORM compiles from here on (a test clears it as it needs)."""
    from django.db.models.sql.compiler import SQLCompiler

    calls: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        calls.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls


_EXECUTE = re.compile(r"EXECUTE (sekap_prepared_\d+)\b")


def executed_statements(captured: list[dict]) -> list[str]:
    """The SQL of queries captured by ``CaptureQueriesContext``, each ``EXECUTE`` of a statement
    that ``sekap.prepared`` prepared on PostgreSQL given as that statement (its placeholders
    unbound): what the log showed before those statements were prepared on the server."""
    from sekap.prepared import prepared_sql

    texts = []
    for query in captured:
        found = _EXECUTE.search(query["sql"])
        texts.append((prepared_sql(found[1]) if found else None) or query["sql"])
    return texts
