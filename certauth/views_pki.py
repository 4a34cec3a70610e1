"""Public PKI endpoints: CA certificates, CRLs, OCSP, TSA. No session, no CSRF, never a 500."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sekap.ratelimits import limit

from . import ocsp, tsa
from .selectors import ca_by_slug, latest_crl


def ca_certificate(request: HttpRequest, slug: str) -> HttpResponse:
    ca = ca_by_slug(slug)
    if ca is None:
        raise Http404
    response = HttpResponse(bytes(ca.certificate_der), content_type="application/pkix-cert")
    response["Content-Disposition"] = f'attachment; filename="{ca.slug}.crt"'
    response["Cache-Control"] = "public, max-age=86400"
    return response


def crl(request: HttpRequest, slug: str, delta: bool = False) -> HttpResponse:
    ca = ca_by_slug(slug)
    record = latest_crl(ca=ca, delta=delta) if ca else None
    if record is None:
        raise Http404
    response = HttpResponse(bytes(record.der), content_type="application/pkix-crl")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}{"-delta" if delta else ""}.crl"'
    )
    response["Last-Modified"] = record.this_update.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["ETag"] = f'"{record.sha256}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@csrf_exempt
@limit("ocsp", methods=("GET", "POST"))
def ocsp_endpoint(request: HttpRequest, encoded: str = "") -> HttpResponse:
    body = request.body if request.method == "POST" else b""
    status, data = ocsp.handle(
        request.method or "", body, encoded, request.META.get("CONTENT_TYPE", "")
    )
    if status == 405:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    return HttpResponse(data, content_type=ocsp.CONTENT_TYPE)


@csrf_exempt
@limit("tsa")
def tsa_endpoint(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    content_type = request.META.get("CONTENT_TYPE", "").split(";")[0].strip()
    if content_type != tsa.REQUEST_CONTENT_TYPE:
        return HttpResponse(
            "Content-Type must be application/timestamp-query",
            status=415,
            content_type="text/plain",
        )
    reply = tsa.respond(request.body, requester_ip=request.META.get("REMOTE_ADDR") or None)
    return HttpResponse(reply, content_type=tsa.CONTENT_TYPE)
