"""POST /api/v1/signatures/validate: the signed document as the raw body or the multipart
``document`` field (XML with XAdES, a PDF with PAdES, an ASiC-E container), or a file in
``document`` with its detached XAdES in ``signature``. JSON report by default; ``?report=etsi``
returns the ETSI TS 119 102-2 XML validation report of the same validation."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sekap.api import problem_response
from sekap.ratelimits import ScopedThrottle
from signatures import services
from signatures.etsi_report import etsi_validation_report

NOT_XML_CODES = {"xml.syntax", "xml.empty", "xml.type"}
# Document-level codes of input that is not a signed document at all: 400, not a report.
UNREADABLE = {
    "pdf.syntax": ("signatures.bad_pdf", gettext_lazy("The PDF file cannot be read.")),
    "asic.format": (
        "signatures.bad_container",
        gettext_lazy("The ASiC-E container cannot be read."),
    ),
}


class RawXmlParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(services.max_document_bytes() + 1) if stream is not None else b""


class XmlOnlyParser(RawXmlParser):
    media_type = "application/xml"


class TextXmlParser(RawXmlParser):
    media_type = "text/xml"


class PdfParser(RawXmlParser):
    media_type = "application/pdf"


class ValidateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "signature_validation"
    parser_classes = [MultiPartParser, XmlOnlyParser, TextXmlParser, PdfParser, RawXmlParser]

    @extend_schema(
        summary="Validate the signatures of a document (XAdES, PAdES, ASiC-E, detached XAdES)",
        description=(
            "Send the signed document (XML, PDF or ASiC-E) as the raw request body or as the "
            "multipart field `document`; for a detached XAdES send the signed file in "
            "`document` and the `.xades` in `signature`. Returns the validation report "
            "(schema in signatures/REPORT_SCHEMA.md), or with `report=etsi` the ETSI "
            "TS 119 102-2 XML validation report."
        ),
        parameters=[
            OpenApiParameter(
                "report",
                str,
                enum=["json", "etsi"],
                required=False,
                description="json (default) or etsi (TS 119 102-2 XML)",
            )
        ],
        request={
            "application/xml": bytes,
            "application/pdf": bytes,
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "document": {"type": "string", "format": "binary"},
                    "signature": {"type": "string", "format": "binary"},
                },
                "required": ["document"],
            },
        },
        responses={
            200: OpenApiResponse(description="Validation report"),
            400: OpenApiResponse(description="Not a signed document that can be read"),
            413: OpenApiResponse(description="Too large"),
        },
    )
    def post(self, request):
        limit = services.max_document_bytes()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + 64 * 1024:
            return _too_large(limit)
        detached = None
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("document")
            if upload is None:
                return problem_response(
                    status=400,
                    code="signatures.no_document",
                    title=_("No document was sent."),
                    detail=_("Send the signed document in the 'document' field."),
                )
            signature = request.FILES.get("signature")
            if upload.size > limit or (signature is not None and signature.size > limit):
                return _too_large(limit)
            data = upload.read()
            if signature is not None:
                detached = {upload.name: data}
                data = signature.read()
        else:
            data = request.data if isinstance(request.data, bytes) else b""
        if len(data) > limit:
            return _too_large(limit)
        report = services.validate(data, detached_documents=detached)
        first = report.errors[0].code if report.errors and not report.signatures else ""
        if first in NOT_XML_CODES:
            return problem_response(
                status=400,
                code="signatures.not_xml",
                title=_("The document is not XML, PDF or ASiC-E."),
                detail=report.errors[0].message,
            )
        if first in UNREADABLE:
            code, title = UNREADABLE[first]
            return problem_response(
                status=400, code=code, title=str(title), detail=report.errors[0].message
            )
        if request.query_params.get("report") == "etsi":
            return HttpResponse(
                etsi_validation_report(report=report), content_type="application/xml"
            )
        return Response(report.to_dict())


def _too_large(limit: int):
    return problem_response(
        status=413,
        code="signatures.too_large",
        title=_("The document is too large."),
        detail=_("The limit is %(limit)d bytes.") % {"limit": limit},
    )
