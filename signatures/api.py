"""POST /api/v1/signatures/validate: raw XML body or multipart ``document`` field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sekap.api import problem_response
from sekap.ratelimits import ScopedThrottle
from signatures import services

NOT_XML_CODES = {"xml.syntax", "xml.empty", "xml.type"}


class RawXmlParser(BaseParser):
    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(services.max_document_bytes() + 1) if stream is not None else b""


class XmlOnlyParser(RawXmlParser):
    media_type = "application/xml"


class TextXmlParser(RawXmlParser):
    media_type = "text/xml"


class ValidateView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "signature_validation"
    parser_classes = [MultiPartParser, XmlOnlyParser, TextXmlParser, RawXmlParser]

    @extend_schema(
        summary="Validate the XAdES signatures of an XML document",
        description=(
            "Send the document as the raw request body (application/xml) or as the multipart "
            "field `document`. Returns the validation report "
            "(schema in signatures/REPORT_SCHEMA.md)."
        ),
        request={
            "application/xml": bytes,
            "multipart/form-data": {
                "type": "object",
                "properties": {"document": {"type": "string", "format": "binary"}},
            },
        },
        responses={
            200: OpenApiResponse(description="Validation report"),
            400: OpenApiResponse(description="Not XML"),
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
        if request.content_type.startswith("multipart/"):
            upload = request.FILES.get("document")
            if upload is None:
                return problem_response(
                    status=400,
                    code="signatures.no_document",
                    title=_("No document was sent."),
                    detail=_("Send the XML in the 'document' field."),
                )
            if upload.size > limit:
                return _too_large(limit)
            data = upload.read()
        else:
            data = request.data if isinstance(request.data, bytes) else b""
        if len(data) > limit:
            return _too_large(limit)
        report = services.validate(data)
        if report.errors and report.errors[0].code in NOT_XML_CODES:
            return problem_response(
                status=400,
                code="signatures.not_xml",
                title=_("The document is not XML."),
                detail=report.errors[0].message,
            )
        return Response(report.to_dict())


def _too_large(limit: int):
    return problem_response(
        status=413,
        code="signatures.too_large",
        title=_("The document is too large."),
        detail=_("The limit is %(limit)d bytes.") % {"limit": limit},
    )
