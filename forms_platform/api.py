"""``/api/v1/forms/``: the public form repository and server-side validation."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sekap.api import PROBLEM_CONTENT_TYPE

from . import selectors
from .errors import DocumentInvalid, FormDataInvalid
from .fieldtypes import Attachment
from .models import FormTemplate, FormVersion, VersionStatus
from .permissions import can_manage_forms


def to_json(value: Any) -> Any:
    """Canonical form data as JSON (dates ISO, decimals as strings, files with base64)."""
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Attachment):
        return value.as_json()
    return value


def _version_summary(version: FormVersion | None) -> dict | None:
    if version is None:
        return None
    return {
        "number": version.number,
        "status": version.status,
        "identifier": version.identifier,
        "namespace": version.namespace,
        "valid_from": version.valid_from,
        "valid_to": version.valid_to,
        "title": version.title,
    }


class TemplateSerializer(serializers.ModelSerializer):
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = FormTemplate
        fields = ["slug", "code", "name", "scope", "current_version"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_current_version(self, template: FormTemplate) -> dict | None:
        return _version_summary(selectors.current_version(template))


class FormList(generics.ListAPIView):
    """Form templates that have a version in force today."""

    serializer_class = TemplateSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return selectors.templates_with_current_version()


def _visible_version(request: Request, slug: str, number: int) -> FormVersion:
    version = get_object_or_404(
        FormVersion.objects.select_related("template"), template__slug=slug, number=number
    )
    if version.status == VersionStatus.DRAFT and not can_manage_forms(request.user):
        raise Http404
    return version


class FormDetail(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str) -> Response:
        template = get_object_or_404(FormTemplate, slug=slug)
        versions = selectors.template_versions(template)
        if not can_manage_forms(request.user):
            versions = versions.exclude(status=VersionStatus.DRAFT)
        return Response(
            {
                "slug": template.slug,
                "code": template.code,
                "name": template.name,
                "scope": template.scope,
                "current_version": _version_summary(selectors.current_version(template)),
                "versions": [_version_summary(v) for v in versions],
            }
        )


class VersionDetail(APIView):
    """A version's definition, description, XSD and XSL."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request, slug: str, number: int) -> Response:
        version = _visible_version(request, slug, number)
        return Response(
            {
                "template": slug,
                **_version_summary(version),
                "description": version.description,
                "definition": version.definition,
                "xsd": version.xsd,
                "xsl": version.xsl,
                "content_hash": version.content_hash,
            }
        )


class VersionFile(APIView):
    """``schemat.xsd`` / ``styl.xsl`` of a published version, as files."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(operation_id="forms_version_file", responses={200: OpenApiTypes.STR})
    def get(self, request: Request, slug: str, number: int, filename: str) -> HttpResponse:
        version = _visible_version(request, slug, number)
        text = {"schemat.xsd": version.xsd, "styl.xsl": version.xsl}.get(filename)
        if not text:
            raise Http404
        return HttpResponse(text, content_type="application/xml; charset=utf-8")


class VersionValidate(APIView):
    """Validate form data server-side: field errors (422), or the data and its XML document.

    Body: ``{"data": {...}, "sender": {...}, "addressee": {...}}``. Money in ``data`` is
    integer grosze (or a string in złoty), dates ``YYYY-MM-DD``, attachments
    ``[{"name": ..., "content_base64": ...}]``. With ``sender`` and ``addressee`` the answer
    includes ``document``: the XML (valid against the version's XSD) as text.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=inline_serializer(
            "FormValidateRequest",
            {
                "data": serializers.DictField(),
                "sender": serializers.DictField(required=False),
                "addressee": serializers.DictField(required=False),
            },
        ),
        responses={
            200: OpenApiTypes.OBJECT,
            422: OpenApiResponse(description="problem details with field errors"),
        },
    )
    def post(self, request: Request, slug: str, number: int) -> Response:
        version = _visible_version(request, slug, number)
        body = request.data if isinstance(request.data, dict) else {}
        data = body.get("data")
        if not isinstance(data, dict):
            return _problem(400, "forms.bad_request", "The body must contain an object 'data'.")
        cleaned, errors = selectors.clean_data(version, data)
        if errors:
            exc = FormDataInvalid(errors)
            return _problem(422, exc.code, str(exc.message), errors=errors)
        answer: dict[str, Any] = {
            "valid": True,
            "identifier": version.identifier,
            "data": to_json(cleaned),
        }
        sender, addressee = body.get("sender"), body.get("addressee")
        if isinstance(sender, dict) and isinstance(addressee, dict):
            try:
                xml = selectors.build_document(
                    version=version, data=data, sender=sender, addressee=addressee
                )
            except DocumentInvalid as exc:
                return _problem(422, exc.code, str(exc.message), detail=exc.detail)
            answer["document"] = xml.decode("utf-8")
            answer["document_base64"] = base64.b64encode(xml).decode("ascii")
        return Response(answer)


def _problem(status: int, code: str, title: str, detail: str = "", **extra: Any) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:sekap:problem:{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
