"""pysaml2 configuration of the platform's service provider, built from settings.

Signatures over exclusive C14N with SHA-256, ECDSA or RSA as the key is (the national node uses
ECDSA P-256); only keys from the node's (verified) metadata are trusted, never a certificate
carried in a message.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

from saml2 import BINDING_HTTP_ARTIFACT, BINDING_HTTP_POST, BINDING_SOAP
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_UNSPECIFIED
from saml2.xmldsig import DIGEST_SHA256

from . import conf, pysaml2_compat  # noqa: F401 (applies the adaptations)
from .keys import ensure_key_pair, signature_algorithm

ATTRIBUTE_MAP_DIR = str(Path(__file__).resolve().parent / "attributemaps")
NATURAL_PERSON = "http://eidas.europa.eu/attributes/naturalperson/"
# The node's attributes (eIDAS natural person) and the FriendlyName it gives each.
REQUESTED_ATTRIBUTES = {
    "PersonIdentifier": "PersonIdentifier",
    "CurrentGivenName": "FirstName",
    "CurrentFamilyName": "FamilyName",
    "DateOfBirth": "DateOfBirth",
}
DIGEST_ALG = DIGEST_SHA256
SSO_BINDINGS = (BINDING_HTTP_POST,)


def xmlsec_binary() -> str:
    found = shutil.which("xmlsec1")
    if not found:
        raise RuntimeError("The xmlsec1 program is needed for login through login.gov.pl.")
    return found


def sp_keys() -> tuple[Path, Path]:
    key, cert = conf.sp_key_files()
    return ensure_key_pair(
        key_file=key,
        cert_file=cert,
        common_name="SEKAP login.gov.pl SP",
        algorithm=conf.key_algorithm(),
    )


def sp_sign_alg() -> str:
    """The signature algorithm of the platform's key (ECDSA-SHA256 or RSA-SHA256)."""
    return signature_algorithm(sp_keys()[0])


def sp_config_dict(*, node_metadata: str | None) -> dict:
    key, cert = sp_keys()
    config: dict = {
        "entityid": conf.sp_entity_id(),
        "key_file": str(key),
        "cert_file": str(cert),
        "encryption_keypairs": [{"key_file": str(key), "cert_file": str(cert)}],
        "xmlsec_binary": xmlsec_binary(),
        "attribute_map_dir": ATTRIBUTE_MAP_DIR,
        "allow_unknown_attributes": False,
        "accepted_time_diff": conf.clock_skew_seconds(),
        "only_use_keys_in_metadata": True,
        "delete_tmpfiles": True,
        "service": {
            "sp": {
                "name": "SEKAP",
                "endpoints": {
                    "assertion_consumer_service": [
                        (conf.sp_url("nodelogin:acs"), BINDING_HTTP_ARTIFACT)
                    ],
                    "single_logout_service": [
                        (conf.sp_url("nodelogin:slo"), BINDING_SOAP),
                        (conf.sp_url("nodelogin:slo_front"), BINDING_HTTP_POST),
                    ],
                },
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "want_assertions_signed": True,
                # The Response travels inside the ArtifactResponse, whose signature is checked.
                "want_response_signed": False,
                "want_assertions_or_response_signed": True,
                "allow_unsolicited": False,
                "name_id_format": [NAMEID_FORMAT_UNSPECIFIED],
                "signing_algorithm": signature_algorithm(key),
                "digest_algorithm": DIGEST_ALG,
                # eIDAS extensions the node reads: the kind of service provider and the
                # attributes asked for, plus the minimum level of assurance.
                "sp_type": "public",
                "sp_type_in_metadata": False,
                "requested_attributes": [
                    {
                        "name": f"{NATURAL_PERSON}{name}",
                        "friendly_name": friendly,
                        "name_format": NAME_FORMAT_URI,
                        "required": True,
                    }
                    for name, friendly in REQUESTED_ATTRIBUTES.items()
                ],
                "requested_authn_context": {
                    "authn_context_class_ref": [conf.LOA_PREFIX + conf.requested_loa()],
                    "comparison": "minimum",
                },
            }
        },
    }
    if node_metadata:
        config["metadata"] = {"inline": [node_metadata]}
    return config


def _state() -> tuple:
    """Everything the configuration is built from: a new value builds a new configuration."""
    key, cert = sp_keys()
    return (
        conf.sp_entity_id(),
        conf.sp_url("nodelogin:acs"),
        conf.sp_url("nodelogin:slo"),
        conf.sp_url("nodelogin:slo_front"),
        conf.requested_loa(),
        conf.clock_skew_seconds(),
        str(key),
        key.stat().st_mtime_ns,
        cert.stat().st_mtime_ns,
    )


def sp_config(*, node_metadata: str | None) -> SPConfig:
    config = SPConfig()
    config.load(sp_config_dict(node_metadata=node_metadata))
    return config


@functools.lru_cache(maxsize=8)
def _client(state: tuple, node_metadata: str) -> Saml2Client:
    return Saml2Client(config=sp_config(node_metadata=node_metadata))


def sp_client(*, node_metadata: str) -> Saml2Client:
    """The SP for the node's metadata (loading keys and metadata is slow: kept while the
    configuration and the metadata stay the same)."""
    return _client(_state(), node_metadata)


@functools.lru_cache(maxsize=8)
def _metadata(state: tuple) -> str:
    config = sp_config(node_metadata=None)
    return create_metadata_string(
        None, config=config, sign=True, sign_alg=sp_sign_alg(), digest_alg=DIGEST_ALG
    )


def sp_metadata_xml() -> str:
    """The platform's SP metadata, signed with its key (what the node operator registers)."""
    return _metadata(_state())
