"""Configuration of the national-node login, read from Django settings.

Everything has a safe default for the embedded mode (the local fake node, keys generated into
``var/nodelogin/``); production names the node's metadata and may name its own key files.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.urls import reverse

from sekap.site import public_url

# eIDAS levels of assurance, as the node names them in RequestedAuthnContext / AuthnContext.
LOA_PREFIX = "http://eidas.europa.eu/LoA/"
LOA_ORDER = ("low", "substantial", "high")


def _get(name: str, default=None):
    return getattr(settings, name, default)


def fake_enabled() -> bool:
    """The local fake node answers instead of login.gov.pl (embedded default and tests)."""
    return bool(_get("NODELOGIN_FAKE", False))


def enabled() -> bool:
    """Login through the node is offered: with the fake, or with the node's metadata named."""
    return fake_enabled() or bool(node_metadata_source())


def node_metadata_source() -> str:
    return str(_get("NODELOGIN_NODE_METADATA_URL", "") or _get("NODELOGIN_NODE_METADATA_FILE", ""))


def node_metadata_signer_file() -> str:
    """PEM certificate that must have signed the node's metadata (production)."""
    return str(_get("NODELOGIN_NODE_METADATA_CERT", "") or "")


def requested_loa() -> str:
    value = str(_get("NODELOGIN_LOA", "substantial"))
    if value not in LOA_ORDER:
        raise ValueError(f"NODELOGIN_LOA must be one of {LOA_ORDER}, not {value!r}")
    return value


def key_dir() -> Path:
    base = Path(_get("SEKAP_VAR_DIR", None) or settings.BASE_DIR / "var")
    path = Path(_get("NODELOGIN_KEY_DIR", "") or base / "nodelogin")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def key_algorithm() -> str:
    """What generated keys are: ``ec`` (P-256, as the national node uses) or ``rsa``."""
    return str(_get("NODELOGIN_KEY_ALGORITHM", "ec") or "ec")


def kdf_fixed_info() -> str:
    """How ConcatKDFParams become ConcatKDF's OtherInfo (``sekap.nodelogin.xmlenc``): ``node``,
    as the national node does it, or ``xmlenc11``, as XML Encryption 1.1 writes it."""
    return str(_get("NODELOGIN_KDF_FIXED_INFO", "node") or "node")


def sp_key_files() -> tuple[Path, Path]:
    """The platform's SP key and certificate (PEM); generated on first use unless configured."""
    key, cert = _get("NODELOGIN_SP_KEY_FILE", ""), _get("NODELOGIN_SP_CERT_FILE", "")
    if key and cert:
        return Path(key), Path(cert)
    name = f"sp-{key_algorithm()}"
    return key_dir() / f"{name}.key", key_dir() / f"{name}.crt"


def sp_entity_id() -> str:
    return str(_get("NODELOGIN_SP_ENTITY_ID", "") or public_url(reverse("nodelogin:metadata")))


def sp_url(name: str) -> str:
    return public_url(reverse(name))


def clock_skew_seconds() -> int:
    return int(_get("NODELOGIN_CLOCK_SKEW_SECONDS", 60))


def soap_timeout_seconds() -> float:
    return float(_get("NODELOGIN_SOAP_TIMEOUT", 10.0))


def slo_binding() -> str:
    """How our logout reaches the node: ``soap`` (back channel, as integrators do) or
    ``post`` (front channel: the browser carries the LogoutRequest) when the node's metadata
    offers it."""
    value = str(_get("NODELOGIN_SLO_BINDING", "soap") or "soap")
    if value not in ("soap", "post"):
        raise ValueError(f"NODELOGIN_SLO_BINDING must be soap or post, not {value!r}")
    return value
