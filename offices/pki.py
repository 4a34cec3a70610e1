"""The registration-authority policy of the certificate authority, from office roles.

``certauth`` sits below ``offices`` and asks its questions through
``settings.CERTAUTH_RA_POLICY``; this class answers them from staff memberships.

An operator (``ca_operator`` membership) approves citizens at the counter of any office, but
approves clerk and seal certificates of their own office(s) only and changes the status of
certificates enrolled through their office(s) only (``operator_offices``). CPD administrators
(``cpd_admin`` in the CPD office, or superusers) act on every certificate. Both roles can be
granted by CPD administrators only (``offices.services``).
"""

from __future__ import annotations

from typing import Any

from certauth.authority import OfficeRef

from .models import Office, StaffRole
from .selectors import is_cpd_admin, memberships_active, offices_where_role, user_has_role

# Staff who may hold a clerk signing certificate (an official authorised to sign decisions
# may hold no other role).
CLERK_ROLES = (StaffRole.CLERK, StaffRole.HEAD, StaffRole.REGISTRY_CLERK, StaffRole.SIGNER)


def _ref(office: Office) -> OfficeRef:
    return OfficeRef(terc=office.terc, name=office.name)


class OfficesRaPolicy:
    def is_operator(self, user: Any) -> bool:
        return user_has_role(user, role=StaffRole.CA_OPERATOR)

    def operator_offices(self, user: Any) -> list[str]:
        if not getattr(user, "is_authenticated", False):
            return []
        offices = offices_where_role(user, role=StaffRole.CA_OPERATOR)
        return list(offices.order_by("terc").values_list("terc", flat=True))

    def is_ca_admin(self, user: Any) -> bool:
        return is_cpd_admin(user)

    def clerk_office(self, user: Any) -> OfficeRef | None:
        if not getattr(user, "is_authenticated", False):
            return None
        membership = (
            memberships_active(user=user)
            .filter(role__in=CLERK_ROLES)
            .select_related("office")
            .order_by("office__terc")
            .first()
        )
        return _ref(membership.office) if membership else None

    def seal_offices(self, user: Any) -> list[OfficeRef]:
        if not getattr(user, "is_authenticated", False):
            return []
        return [_ref(o) for o in offices_where_role(user, role=StaffRole.OFFICE_ADMIN)]

    def may_approve_clerk(self, user: Any, office_terc: str) -> bool:
        return self._operator_at(user, office_terc)

    def may_approve_seal(self, user: Any, office_terc: str) -> bool:
        return self._operator_at(user, office_terc)

    def _operator_at(self, user: Any, office_terc: str) -> bool:
        office = Office.objects.filter(terc=office_terc).first()
        return office is not None and user_has_role(user, role=StaffRole.CA_OPERATOR, office=office)
