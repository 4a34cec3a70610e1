"""The node's metadata: loaded from configuration (URL or file), its XML signature verified with
the configured certificate, stored, and refreshed by beat (``tasks.node_metadata_refresh``).

With the fake node and nothing configured, the fake's metadata is produced in-process (never over
HTTP to the platform itself) and goes through the same signature check.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import tempfile
from pathlib import Path

import requests
from django.utils import timezone
from saml2.sigver import SignatureError, security_context

from sekap.xmlsafe import ParseLimits, XmlRejected, parse_untrusted

from . import conf, saml
from .errors import NodeUnavailable
from .models import NodeMetadata

logger = logging.getLogger(__name__)
MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
MAX_METADATA_BYTES = 2 * 1024 * 1024
FAKE_SOURCE = "fake-node"


class MetadataRejected(Exception):
    pass


def _fetch(source: str) -> bytes:
    if source.startswith(("https://", "http://")):
        try:
            reply = requests.get(source, timeout=conf.soap_timeout_seconds())
            reply.raise_for_status()
        except requests.RequestException as exc:
            raise NodeUnavailable() from exc
        return reply.content
    return Path(source).read_bytes()


def verify(*, xml: bytes, signer_pem: bytes) -> str:
    """Check the metadata's enveloped signature against ``signer_pem``; the entity ID."""
    try:
        doc = parse_untrusted(xml, limits=ParseLimits(max_bytes=MAX_METADATA_BYTES))
    except XmlRejected as exc:
        raise MetadataRejected(exc.message) from exc
    root = doc.root
    if root.tag != f"{{{MD_NS}}}EntityDescriptor":
        raise MetadataRejected("The node's metadata must be one EntityDescriptor.")
    if doc.duplicate_ids():
        raise MetadataRejected("Duplicate ID values in the metadata.")
    signatures = root.findall(f"{{{DS_NS}}}Signature")
    if len(signatures) != 1 or not root.get("ID"):
        raise MetadataRejected("The node's metadata is not signed.")
    reference = signatures[0].findall(f"{{{DS_NS}}}SignedInfo/{{{DS_NS}}}Reference")
    if len(reference) != 1 or reference[0].get("URI") != f"#{root.get('ID')}":
        raise MetadataRejected("The metadata's signature does not cover the whole metadata.")
    if root.find(f"{{{MD_NS}}}IDPSSODescriptor") is None:
        raise MetadataRejected("The metadata describes no identity provider.")
    sec = _security()
    with tempfile.NamedTemporaryFile(suffix=".pem") as cert:
        cert.write(signer_pem)
        cert.flush()
        try:
            ok = sec.verify_signature(
                xml.decode("utf-8"),
                cert_file=cert.name,
                node_name=f"{MD_NS}:EntityDescriptor",
                node_id=root.get("ID"),
            )
        except SignatureError as exc:
            raise MetadataRejected(f"The metadata's signature is not valid: {exc}") from exc
    if not ok:
        raise MetadataRejected("The metadata's signature is not valid.")
    return root.get("entityID", "")


@functools.lru_cache(maxsize=1)
def _security():
    return security_context(saml.sp_config(node_metadata=None))


@functools.lru_cache(maxsize=8)
def _verified_fake(xml: str, signer_pem: bytes) -> str:
    verify(xml=xml.encode("utf-8"), signer_pem=signer_pem)
    return xml


def _fake_metadata() -> str:
    from .fake import node

    return _verified_fake(node.metadata_xml(), node.metadata_signer_pem())


def node_metadata_refresh() -> NodeMetadata | None:
    """Fetch, verify and store the configured metadata (idempotent: unchanged bytes only touch
    ``fetched_at``). None when no source is configured. Never call inside a transaction."""
    source = conf.node_metadata_source()
    if not source:
        return None
    signer = conf.node_metadata_signer_file()
    if not signer:
        raise MetadataRejected("Set NODELOGIN_NODE_METADATA_CERT to the node's signing cert.")
    xml = _fetch(source)
    entity_id = verify(xml=xml, signer_pem=Path(signer).read_bytes())
    digest = hashlib.sha256(xml).hexdigest()
    now = timezone.now()
    row, created = NodeMetadata.objects.get_or_create(
        source=source,
        defaults={"entity_id": entity_id, "xml": xml.decode("utf-8"), "sha256": digest},
    )
    if not created:
        fields = ["fetched_at"]
        row.fetched_at = now
        if row.sha256 != digest:
            row.entity_id, row.xml, row.sha256, row.changed_at = (
                entity_id,
                xml.decode("utf-8"),
                digest,
                now,
            )
            fields += ["entity_id", "xml", "sha256", "changed_at"]
            logger.warning("The national node's metadata changed (%s).", digest)
        row.save(update_fields=fields)
    return row


def current_node_metadata() -> str:
    """The verified metadata of the node to talk to now."""
    source = conf.node_metadata_source()
    if not source:
        if conf.fake_enabled():
            return _fake_metadata()
        raise NodeUnavailable()
    row = NodeMetadata.objects.filter(source=source).first()
    if row is None:
        row = node_metadata_refresh()
    return row.xml
