"""Certauth settings, each read from Django settings first and the environment second."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

from sekap.site import public_url

# The object identifier arc for policies. The default sits under PEN 32473, which RFC 5612
# reserves for documentation and examples: fine for the embedded demo, never for production, where
# CERTAUTH_OID_ARC must name the operator's registered arc (and the profile rows follow it).
# (UUID OIDs under 2.25 and the 2.999 example arc were tried: pkilint's decoder rejects both.)
# Sub-arcs: .1 certificate policies, .2 time-stamping policies.
DEFAULT_OID_ARC = "1.3.6.1.4.1.32473.1"


def setting(name: str, default: Any = None) -> Any:
    if settings.configured and hasattr(settings, name):
        return getattr(settings, name)
    return os.environ.get(name, default)


def pki_path() -> Path:
    """Where the PKI's files live (``pki_dir`` makes it); naming it costs no system call."""
    base = Path(getattr(settings, "SEKAP_VAR_DIR", None) or settings.BASE_DIR / "var")
    return Path(setting("CERTAUTH_PKI_DIR", "") or base / "pki")


def pki_dir() -> Path:
    path = pki_path()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def base_url() -> str:
    """Public URL prefix used in AIA and CRL distribution point extensions."""
    return str(setting("CERTAUTH_BASE_URL", "") or public_url()).rstrip("/")


def oid_arc() -> str:
    return str(setting("CERTAUTH_OID_ARC", "") or DEFAULT_OID_ARC)


def certificate_policy_oid(profile_slug_number: int) -> str:
    return f"{oid_arc()}.1.{profile_slug_number}"


def tsa_policy_oid() -> str:
    return str(setting("CERTAUTH_TSA_POLICY_OID", "") or f"{oid_arc()}.2.1")


def pkcs11_module() -> str:
    return str(setting("CA_PKCS11_MODULE", "") or "")
