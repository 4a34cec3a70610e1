"""``/api/v1/submissions/``, ``/api/v1/inbox/`` and the ESP pull interface ``/api/v1/esp/``.

Businesses authenticate with a token (``Authorization: Token <key>``); the ESP interface with
an office's machine token (``Authorization: Bearer sekap_esp_…``) or a browser session with a
second factor. Errors are RFC 9457 problem details with stable codes.
"""

from __future__ import annotations

import base64

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, permissions, serializers, status
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.exceptions import NotFound as DrfNotFound
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from offices.models import Office, Service
from sekap.accounts.selectors import companies_represented_by
from sekap.prepared import PreparedGet
from sekap.ratelimits import ScopedThrottle

from . import selectors, services
from .errors import NotRepresentative
from .models import Channel, EspToken, InboxMessage, Letter, Submission
from .services.esp import EspCaller
from .services.submissions import max_bytes

PROBLEM = inline_serializer(
    "Problem",
    {
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "detail": serializers.CharField(required=False),
    },
)


class XmlBodyParser(BaseParser):
    """The request body as bytes, untouched (the signature covers the exact bytes)."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        data = stream.read(max_bytes() + 1) if stream is not None else b""
        return data


class TextXmlBodyParser(XmlBodyParser):
    media_type = "text/xml"


class SubmissionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    office = serializers.CharField(source="office.terc", read_only=True)
    service = serializers.IntegerField(source="service_id", read_only=True)
    status = serializers.SerializerMethodField()
    case_sign = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    rpw = serializers.SerializerMethodField()
    company_nip = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "office",
            "service",
            "title",
            "channel",
            "sha256",
            "size",
            "received_at",
            "status",
            "signature_indication",
            "needs_attention",
            "rpw",
            "case_sign",
            "deadline",
            "company_nip",
        ]

    def get_status(self, obj: Submission) -> str:
        return STATUS.get(obj.stage, "processed")

    def get_case_sign(self, obj: Submission) -> str | None:
        return obj.case.sign if obj.case_id else None

    @extend_schema_field(OpenApiTypes.DATE)
    def get_deadline(self, obj: Submission):
        return obj.case.deadline if obj.case_id and obj.case.deadline else None

    def get_rpw(self, obj: Submission) -> str | None:
        entry = getattr(obj, "register_entry", None) if obj.stage >= 20 else None
        return entry.rpw if entry else None

    def get_company_nip(self, obj: Submission) -> str | None:
        return obj.company.nip if obj.company_id else None


class SubmissionCreatedSerializer(SubmissionSerializer):
    upo_xml = serializers.SerializerMethodField()
    upo_url = serializers.SerializerMethodField()

    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "upo_xml", "upo_url"]

    def get_upo_xml(self, obj: Submission) -> str:
        """The sealed UPP exactly as issued (UTF-8 text; the same bytes at ``upo_url``)."""
        return bytes(obj.receipt.xml).decode("utf-8")

    def get_upo_url(self, obj: Submission) -> str:
        return f"/api/v1/submissions/{obj.public_id}/upo.xml"


STATUS = {0: "received", 10: "signature_checked", 20: "registered", 30: "case_opened"}


def created_body(submission: Submission) -> dict:
    """The 201 body, built by hand: the submit request is the platform's hottest path and a
    ModelSerializer costs milliseconds of field introspection per call. Kept equal to
    ``SubmissionCreatedSerializer`` (the documented schema) by a test."""
    case = submission.case if submission.case_id else None
    entry = getattr(submission, "register_entry", None) if submission.stage >= 20 else None
    return {
        "id": str(submission.public_id),
        "office": submission.office.terc,
        "service": submission.service_id,
        "title": submission.title,
        "channel": submission.channel,
        "sha256": submission.sha256,
        "size": submission.size,
        "received_at": serializers.DateTimeField().to_representation(submission.received_at),
        "status": STATUS.get(submission.stage, "processed"),
        "signature_indication": submission.signature_indication,
        "needs_attention": submission.needs_attention,
        "rpw": entry.rpw if entry else None,
        "case_sign": case.sign if case else None,
        "deadline": case.deadline.isoformat() if case and case.deadline else None,
        "company_nip": submission.company.nip if submission.company_id else None,
        "upo_xml": bytes(submission.receipt.xml).decode("utf-8"),
        "upo_url": f"/api/v1/submissions/{submission.public_id}/upo.xml",
    }


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


_service_with_office = PreparedGet(
    lambda: Service.objects.select_related("office__identity"), field="pk"
)


def _service(service_id: int | None) -> Service | None:
    """The service with its office and the office's name in force (the UPP names it: no query
    of its own), read with SQL compiled once (``sekap.prepared``: compiling the ~60 columns
    cost more than the query)."""
    if service_id is None:
        return None
    return _service_with_office.get(service_id)


class SubmissionListCreate(APIView):
    """File an XML document with an office service; list your submissions.

    The document must be signed, except where its form version needs no signature (a request
    for public information, a petition, a complaint or request): such a document is accepted
    unsigned and its ``signature_indication`` becomes ``UNSIGNED``. Anything else unsigned is
    refused with ``submission.unsigned``."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "submission_api"  # per token (or per user for a session)
    parser_classes = [XmlBodyParser, TextXmlBodyParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="submissions_list",
        responses={200: SubmissionSerializer(many=True)},
    )
    def get(self, request):
        queryset = selectors.submissions_for(request.user).select_related("register_entry")
        paginator = generics.GenericAPIView.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(SubmissionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="submissions_create",
        parameters=[
            OpenApiParameter("service", OpenApiTypes.INT, description="Service id (catalogue)"),
            OpenApiParameter("company", OpenApiTypes.STR, description="NIP of the company"),
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="Repeat a request safely: the same key returns the same submission",
            ),
        ],
        request={
            "application/xml": OpenApiTypes.BINARY,
            "multipart/form-data": inline_serializer(
                "SubmissionUpload",
                {
                    "service": serializers.IntegerField(),
                    "document": serializers.FileField(),
                    "company": serializers.CharField(required=False),
                },
            ),
        },
        responses={
            201: SubmissionCreatedSerializer,
            400: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
            413: OpenApiResponse(PROBLEM),
            503: OpenApiResponse(PROBLEM, description="Malware scanning is down; try later"),
        },
    )
    def post(self, request):
        if isinstance(request.data, bytes):
            signed = request.data
            fields = request.query_params
        else:
            # A text field named "document" (not a file) is refused like a missing one.
            upload = request.FILES.get("document")
            if upload is None:
                raise ValidationError(
                    {"document": ["Attach the signed XML document as a file (multipart)."]}
                )
            signed = upload.read(max_bytes() + 1)
            fields = request.data
        service_id = _int_or_none(fields.get("service") or request.query_params.get("service"))
        service = _service(service_id)
        if service is None:
            raise ValidationError({"service": ["Give the id of a service from the catalogue."]})
        company = None
        nip = fields.get("company") or request.query_params.get("company")
        if nip:
            company = companies_represented_by(request.user).filter(nip=nip).first()
            if company is None:
                raise NotRepresentative()
        submission = services.submission_accept(
            submitter=request.user,
            service=service,
            signed_xml=signed,
            company=company,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            channel=Channel.API,
        )
        response = Response(created_body(submission), status=status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/submissions/{submission.public_id}"
        return response


def _own_submission(request, public_id) -> Submission:
    submission = selectors.submission_for(user=request.user, public_id=public_id)
    if submission is None:
        raise DrfNotFound()
    return submission


class SubmissionDetail(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="submissions_retrieve", responses={200: SubmissionSerializer})
    def get(self, request, public_id):
        return Response(SubmissionSerializer(_own_submission(request, public_id)).data)


class SubmissionUpo(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="submissions_upo",
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    def get(self, request, public_id):
        submission = _own_submission(request, public_id)
        receipt = selectors.receipt_of(submission)
        return HttpResponse(bytes(receipt.xml), content_type="application/xml")


class SubmissionDocument(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="submissions_document",
        responses={(200, "application/xml"): OpenApiTypes.BINARY},
    )
    def get(self, request, public_id):
        data = selectors.submission_document(user=request.user, public_id=public_id)
        if data is None:
            raise DrfNotFound()
        return HttpResponse(data, content_type="application/xml")


class InboxMessageSerializer(serializers.ModelSerializer):
    # platform notices in the caller's language (Accept-Language); letters as the clerk wrote them
    title = serializers.CharField(source="display_title", read_only=True)
    body = serializers.CharField(source="display_body", read_only=True)
    office = serializers.CharField(source="office.terc", read_only=True)
    case_sign = serializers.SerializerMethodField()
    submission = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = InboxMessage
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "office",
            "case_sign",
            "submission",
            "created_at",
            "read_at",
            "document_url",
        ]

    def get_case_sign(self, obj: InboxMessage) -> str | None:
        return obj.case.sign if obj.case_id else None

    @extend_schema_field(OpenApiTypes.UUID)
    def get_submission(self, obj: InboxMessage):
        return str(obj.submission.public_id) if obj.submission_id else None

    def get_document_url(self, obj: InboxMessage) -> str | None:
        if obj.letter_id or obj.receipt_id:
            return f"/api/v1/inbox/{obj.pk}/document.xml"
        return None


class InboxList(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = InboxMessageSerializer

    def get_queryset(self):
        return selectors.inbox_for(self.request.user)


def _own_message(request, pk) -> InboxMessage:
    message = selectors.inbox_message_for(user=request.user, pk=pk)
    if message is None:
        raise DrfNotFound()
    return message


class InboxDetail(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="inbox_retrieve", responses={200: InboxMessageSerializer})
    def get(self, request, pk: int):
        return Response(InboxMessageSerializer(_own_message(request, pk)).data)


class InboxOpen(APIView):
    """Open a message: marks it read; for an official letter the office issues the UPD."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="inbox_open", request=None, responses={200: InboxMessageSerializer})
    def post(self, request, pk: int):
        message = services.inbox_open(user=request.user, message=_own_message(request, pk))
        return Response(InboxMessageSerializer(message).data)


class InboxDocument(APIView):
    """The sealed XML of a letter or of a receipt. A letter's content is released only after
    its receipt by the caller is recorded (the UPD under the platform rule)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="inbox_document",
        responses={(200, "application/xml"): OpenApiTypes.BINARY, 409: OpenApiResponse(PROBLEM)},
    )
    def get(self, request, pk: int):
        message = _own_message(request, pk)
        if message.letter_id:
            services.inbox_open(user=request.user, message=message)
            xml = Letter.objects.filter(pk=message.letter_id).values_list("xml", flat=True).get()
            return HttpResponse(bytes(xml), content_type="application/xml")
        if message.receipt_id:
            return HttpResponse(bytes(message.receipt.xml), content_type="application/xml")
        raise DrfNotFound()


# --- ESP pull ---------------------------------------------------------------------------------


class EspDocumentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    rpw = serializers.SerializerMethodField()
    case_sign = serializers.SerializerMethodField()
    sender = serializers.SerializerMethodField()
    document_base64 = serializers.SerializerMethodField()
    upo_base64 = serializers.SerializerMethodField()

    class Meta:
        model = Submission
        fields = [
            "id",
            "title",
            "service_id",
            "sha256",
            "size",
            "received_at",
            "signature_indication",
            "needs_attention",
            "rpw",
            "case_sign",
            "sender",
            "document_base64",
            "upo_base64",
        ]

    def get_rpw(self, obj: Submission) -> str | None:
        entry = getattr(obj, "register_entry", None) if obj.stage >= 20 else None
        return entry.rpw if entry else None

    def get_case_sign(self, obj: Submission) -> str | None:
        return obj.case.sign if obj.case_id else None

    def get_sender(self, obj: Submission) -> str:
        if obj.company_id:
            return f"{obj.company.name} (NIP {obj.company.nip})"
        return obj.submitter.get_full_name() or obj.submitter.email

    def get_document_base64(self, obj: Submission) -> str:
        return base64.b64encode(bytes(obj.document)).decode("ascii")

    def get_upo_base64(self, obj: Submission) -> str:
        return base64.b64encode(bytes(obj.receipt.xml)).decode("ascii")


def _office(terc: str) -> Office:
    office = Office.objects.filter(terc=terc).first()
    if office is None:
        raise DrfNotFound()
    return office


class EspTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer sekap_esp_…``: an office's machine token (``EspToken``)."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed()
        token = services.esp_token_authenticate(secret=parts[1].decode("ascii", "replace"))
        if token is None:
            raise AuthenticationFailed()
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return self.keyword


class EspTokenScheme(OpenApiAuthenticationExtension):
    target_class = "documents.api.EspTokenAuthentication"
    name = "espMachineToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An office's ESP machine token (issued by a CPD or office administrator; "
                "revocable)."
            ),
        }


class HasEspCaller(permissions.BasePermission):
    """A machine token, or a person logged in through the browser (checked by the service)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, EspToken) or bool(request.user.is_authenticated)


def _caller(request) -> EspCaller:
    if isinstance(request.auth, EspToken):
        return EspCaller(token=request.auth)
    is_verified = getattr(request.user, "is_verified", None)
    return EspCaller(user=request.user, second_factor=bool(is_verified and is_verified()))


class EspView(APIView):
    """Machine tokens, or the browser session of a registry clerk with a second factor.

    Personal API tokens (``Authorization: Token``) are not accepted here.
    """

    authentication_classes = [EspTokenAuthentication, SessionAuthentication]
    permission_classes = [HasEspCaller]


class EspWaiting(EspView):
    @extend_schema(
        operation_id="esp_waiting",
        responses={
            200: inline_serializer("EspWaiting", {"count": serializers.IntegerField()}),
            401: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
        },
    )
    def get(self, request, terc: str):
        count = services.esp_count(caller=_caller(request), office=_office(terc))
        return Response({"count": count})


class EspNext(EspView):
    @extend_schema(
        operation_id="esp_next",
        responses={
            200: EspDocumentSerializer,
            204: None,
            401: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
        },
    )
    def get(self, request, terc: str):
        submission = services.esp_next(caller=_caller(request), office=_office(terc))
        if submission is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(EspDocumentSerializer(submission).data)


class EspConfirmSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The document's id, as returned by next/.")
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        required=False,
        help_text="Optional: the document's SHA-256; refused (409) if it does not match.",
    )


class EspConfirm(EspView):
    @extend_schema(
        operation_id="esp_confirm",
        request=EspConfirmSerializer,
        responses={
            200: inline_serializer(
                "EspConfirmed",
                {"id": serializers.UUIDField(), "confirmed_at": serializers.DateTimeField()},
            ),
            400: OpenApiResponse(PROBLEM),
            401: OpenApiResponse(PROBLEM),
            403: OpenApiResponse(PROBLEM),
            404: OpenApiResponse(PROBLEM),
            409: OpenApiResponse(PROBLEM),
        },
    )
    def post(self, request, terc: str):
        caller, office = _caller(request), _office(terc)
        services.esp_check_access(caller=caller, office=office)  # refuse before parsing input
        data = EspConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        submission = services.esp_confirm(
            caller=caller,
            office=office,
            submission_id=data.validated_data["id"],
            sha256=data.validated_data.get("sha256", ""),
        )
        return Response({"id": submission.public_id, "confirmed_at": submission.esp_confirmed_at})
