"""Helpers shared by the test suites."""

from __future__ import annotations

import os

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
