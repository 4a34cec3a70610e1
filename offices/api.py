"""``/api/v1/offices/``: the public directory, and the registry management API."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import PermissionDenied

from forms_platform.selectors import current_version_numbers

from . import services
from .models import Department, Office, OfficeIdentity, OfficeKind, Service, StaffMembership
from .selectors import offices_search, services_search, user_manages_office


class OfficeIdentitySerializer(serializers.ModelSerializer):
    postal_address = serializers.CharField(read_only=True)

    class Meta:
        model = OfficeIdentity
        fields = [
            "official_name",
            "organ_name",
            "name_verified",
            "street",
            "postal_code",
            "city",
            "postal_address",
            "phone",
            "email",
            "opening_hours",
            "contact_verified",
            "valid_from",
        ]


class OfficeSerializer(serializers.ModelSerializer):
    identity = OfficeIdentitySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Office
        fields = [
            "terc",
            "name",
            "unit",
            "kind",
            "gmina_type",
            "powiat",
            "seat",
            "identity",
            "esp_address",
            "ade_address",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=OfficeKind.values),
        OpenApiParameter("terc", OpenApiTypes.STR, description="TERC code or its prefix"),
        OpenApiParameter("q", OpenApiTypes.STR, description="Words, diacritics ignored"),
    ]
)
class OfficeList(generics.ListAPIView):
    serializer_class = OfficeSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        params = self.request.query_params
        return offices_search(
            q=params.get("q", ""), kind=params.get("kind", ""), terc=params.get("terc", "")
        )


class OfficeDetail(generics.RetrieveAPIView):
    serializer_class = OfficeSerializer
    permission_classes = [permissions.AllowAny]
    queryset = Office.objects.select_related("identity")
    lookup_field = "terc"


# --- management (office admins of that office, CPD admins) ------------------------------------


class ManagesOffice(permissions.BasePermission):
    """Authenticated with a second factor, and allowed to manage the office in the URL."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
            return False
        return user_manages_office(user, view.office)


class OfficeScopedMixin:
    permission_classes = [ManagesOffice]

    @property
    def office(self) -> Office:
        if not hasattr(self, "_office"):
            self._office = get_object_or_404(Office, terc=self.kwargs["terc"])
        return self._office

    def permission_denied(self, request, message=None, code=None):
        raise PermissionDenied(message, code)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "symbol", "name", "is_active"]


class DepartmentList(OfficeScopedMixin, generics.ListCreateAPIView):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return Department.objects.filter(office=self.office).order_by("symbol")

    def perform_create(self, serializer) -> None:
        department = Department(office=self.office, **serializer.validated_data)
        services.registry_save(actor=self.request.user, obj=department, before=None)
        serializer.instance = department


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    department = serializers.SlugRelatedField(slug_field="symbol", read_only=True)

    class Meta:
        model = StaffMembership
        fields = ["id", "email", "name", "role", "department", "valid_from", "valid_to"]


class StaffList(OfficeScopedMixin, generics.ListAPIView):
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return (
            StaffMembership.objects.filter(office=self.office)
            .select_related("user", "department")
            .order_by("user__email", "role")
        )


# --- the service catalogue ------------------------------------------------------------------


class ServiceSerializer(serializers.ModelSerializer):
    office = serializers.SlugRelatedField(slug_field="terc", read_only=True)
    office_name = serializers.CharField(source="office.name", read_only=True)
    form = serializers.SlugRelatedField(source="form_template", slug_field="slug", read_only=True)
    form_version = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(slug_field="symbol", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "office",
            "office_name",
            "title",
            "description",
            "category",
            "life_event",
            "form",
            "form_version",
            "jrwa_symbol",
            "deadline_rule",
            "deadline_note",
            "fee_kind",
            "fee_items",
            "fee_legal_basis",
            "fee_note",
            "fee_exemptions",
            "translations",
            "department",
            "department_name",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_form_version(self, service: Service) -> int | None:
        numbers = self.context.get("form_versions")
        if numbers is None:  # a single service
            numbers = current_version_numbers([service.form_template_id])
        return numbers.get(service.form_template_id)


@extend_schema(
    parameters=[
        OpenApiParameter("office", OpenApiTypes.STR, description="TERC code of the office"),
        OpenApiParameter("q", OpenApiTypes.STR, description="Words, diacritics ignored"),
        OpenApiParameter("category", OpenApiTypes.STR),
        OpenApiParameter("life_event", OpenApiTypes.STR),
    ]
)
class ServiceList(generics.ListAPIView):
    serializer_class = ServiceSerializer
    permission_classes = [permissions.AllowAny]

    def get_serializer(self, *args, **kwargs):
        if kwargs.get("many") and args:
            template_ids = {service.form_template_id for service in args[0]}
            kwargs["context"] = {
                **self.get_serializer_context(),
                "form_versions": current_version_numbers(list(template_ids)),
            }
        return super().get_serializer(*args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        return services_search(
            office_terc=params.get("office", ""),
            q=params.get("q", ""),
            category=params.get("category", ""),
            life_event=params.get("life_event", ""),
        )


class ServiceDetail(generics.RetrieveAPIView):
    serializer_class = ServiceSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return services_search()
