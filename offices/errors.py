"""Errors of the office registry."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import NotAllowed


class RoleNotAllowed(NotAllowed):
    code = "offices.role_not_allowed"
    message = _(
        "Only a CPD administrator may grant, change or withdraw the CA operator and CPD "
        "administrator roles."
    )


class CpdRoleOutsideCpd(NotAllowed):
    code = "offices.cpd_role_outside_cpd"
    message = _("The CPD administrator role exists only in the office that runs the CPD.")
