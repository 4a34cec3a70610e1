"""The platform's own PKI endpoints answered in-process, for the signature validator.

``SIGNATURES_LOCAL_PKI_PROVIDER`` points at :func:`local_pki_response`: the validator hands it
every OCSP, CRL and CA certificate address it would fetch, and gets back the bytes the public
endpoint (``views_pki``) would serve, or None for an address that is not the platform's (those
go over HTTP). An address is the platform's when it lies under one of the prefixes the CA writes
into certificates: the configured one (``CERTAUTH_BASE_URL`` or the public address) and the ones
recorded in the CA certificates themselves at their ceremony, so certificates issued before the
public address changed are still answered here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import ExtensionOID
from django.urls import Resolver404, resolve

from sekap.site import public_url

from . import ocsp, tsa
from .conf import base_url
from .models import CertificateAuthority
from .selectors import ca_by_slug, latest_crl
from .services.issuance import ca_urls


class NotServed(LookupError):
    """An address under the platform's PKI prefix that the platform has nothing at (a 404)."""


def _extension_urls(certificate: x509.Certificate) -> list[str]:
    urls: list[str] = []
    for extension in certificate.extensions:
        if extension.oid == ExtensionOID.AUTHORITY_INFORMATION_ACCESS:
            urls += [str(d.access_location.value) for d in extension.value]
        elif extension.oid in (ExtensionOID.CRL_DISTRIBUTION_POINTS, ExtensionOID.FRESHEST_CRL):
            for point in extension.value:
                urls += [str(name.value) for name in point.full_name or ()]
    return urls


def pki_prefixes() -> set[str]:
    """Every prefix under which the SEKAP CA has published its endpoints in certificates."""
    prefixes = {base_url(), public_url()}
    issuing = CertificateAuthority.objects.filter(parent__isnull=False).select_related("parent")
    for ca in issuing:
        suffixes = ca_urls(ca.parent, base="").values()
        certificate = x509.load_der_x509_certificate(bytes(ca.certificate_der))
        for url in _extension_urls(certificate):
            prefixes |= {url[: -len(s)] for s in suffixes if url.endswith(s)}
    return {prefix.rstrip("/") for prefix in prefixes if prefix}


def _path_under(url: str, prefixes: set[str]) -> str | None:
    parts = urlsplit(url)
    for prefix in prefixes:
        base = urlsplit(prefix)
        if (parts.scheme, parts.netloc.lower()) != (base.scheme, base.netloc.lower()):
            continue
        if parts.path.startswith(f"{base.path}/"):
            return parts.path[len(base.path) :]
    return None


def local_pki_response(method: str, url: str, body: bytes, content_type: str) -> bytes | None:
    """What the platform's PKI endpoint at ``url`` answers to this request, computed in-process;
    None when ``url`` is not the platform's. Raises :class:`NotServed` where the endpoint would
    answer with an error status."""
    path = _path_under(url, pki_prefixes())
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        raise NotServed(url) from None
    data = _answer(
        match.url_name if match.namespace == "certauth" else "",
        match.kwargs,
        method,
        body,
        content_type,
    )
    if data is None:
        raise NotServed(url)
    return data


def _answer(name: str, kwargs: dict, method: str, body: bytes, content_type: str) -> bytes | None:
    """The body ``views_pki`` serves with status 200 for this route, or None for its errors."""
    if name in ("ocsp", "ocsp_get"):
        status, data = ocsp.handle(method, body, kwargs.get("encoded", ""), content_type)
        return data if status == 200 else None
    if name == "ca_certificate":
        ca = ca_by_slug(kwargs["slug"])
        return bytes(ca.certificate_der) if ca else None
    if name in ("crl", "delta_crl"):
        ca = ca_by_slug(kwargs["slug"])
        record = latest_crl(ca=ca, delta=bool(kwargs.get("delta"))) if ca else None
        return bytes(record.der) if record else None
    query = content_type.split(";")[0].strip() == tsa.REQUEST_CONTENT_TYPE
    return tsa.respond(body) if name == "tsa" and method == "POST" and query else None
