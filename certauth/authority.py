"""Who may act as registration authority: a pluggable policy.

certauth sits below ``offices`` and knows nothing about office roles. Questions that need them
go through an object named by ``settings.CERTAUTH_RA_POLICY`` (dotted path to a class or an
instance) that implements :class:`RaPolicy`. The default, :class:`PermissionRaPolicy`, uses
Django permissions and groups named ``office-<TERC>``; ``offices.pki.OfficesRaPolicy`` replaces
it in the assembled project.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OfficeRef:
    terc: str
    name: str


@runtime_checkable
class RaPolicy(Protocol):
    def is_operator(self, user: Any) -> bool:
        """Is a registration-authority operator: may approve or reject citizens' requests (at
        the counter of any office) and change the status of certificates in their scope."""

    def operator_offices(self, user: Any) -> list[str]:
        """TERC codes of the offices whose registration authority ``user`` operates for: the
        scope in which they revoke, suspend and release (``Certificate.ra_office_terc``)."""

    def is_ca_admin(self, user: Any) -> bool:
        """May use the CA console (CPD administrator)."""

    def clerk_office(self, user: Any) -> OfficeRef | None:
        """The office whose clerk ``user`` is (named in a clerk certificate), or None."""

    def seal_offices(self, user: Any) -> list[OfficeRef]:
        """Offices whose seal certificate ``user`` may request."""

    def may_approve_clerk(self, user: Any, office_terc: str) -> bool:
        """May approve a clerk certificate for a clerk of the office with this TERC."""

    def may_approve_seal(self, user: Any, office_terc: str) -> bool:
        """May approve (and so issue) the seal certificate of the office with this TERC."""


OFFICE_GROUP_PREFIX = "office-"


class PermissionRaPolicy:
    """Default policy: permissions ``certauth.operate_ra`` / ``certauth.administer_ca`` and
    office membership by group ``office-<TERC>``; office names from
    ``settings.CERTAUTH_OFFICE_NAMES`` (TERC -> name), else the TERC itself."""

    def _offices(self, user: Any) -> list[OfficeRef]:
        if not getattr(user, "is_authenticated", False):
            return []
        names = getattr(settings, "CERTAUTH_OFFICE_NAMES", {})
        tercs = sorted(
            group.name[len(OFFICE_GROUP_PREFIX) :]
            for group in user.groups.filter(name__startswith=OFFICE_GROUP_PREFIX)
        )
        return [OfficeRef(terc=t, name=names.get(t, t)) for t in tercs]

    def is_operator(self, user: Any) -> bool:
        return bool(
            getattr(user, "is_authenticated", False) and user.has_perm("certauth.operate_ra")
        )

    def operator_offices(self, user: Any) -> list[str]:
        return [o.terc for o in self._offices(user)] if self.is_operator(user) else []

    def is_ca_admin(self, user: Any) -> bool:
        return bool(
            getattr(user, "is_authenticated", False) and user.has_perm("certauth.administer_ca")
        )

    def clerk_office(self, user: Any) -> OfficeRef | None:
        if getattr(user, "kind", "") != "staff":
            return None
        offices = self._offices(user)
        return offices[0] if offices else None

    def seal_offices(self, user: Any) -> list[OfficeRef]:
        return self._offices(user) if getattr(user, "kind", "") == "staff" else []

    def may_approve_clerk(self, user: Any, office_terc: str) -> bool:
        return self.is_operator(user) and any(o.terc == office_terc for o in self._offices(user))

    def may_approve_seal(self, user: Any, office_terc: str) -> bool:
        return self.may_approve_clerk(user, office_terc)


@cache
def _load(path: str) -> RaPolicy:
    obj = import_string(path)
    return obj() if isinstance(obj, type) else obj


def ra_policy() -> RaPolicy:
    path = getattr(settings, "CERTAUTH_RA_POLICY", "certauth.authority.PermissionRaPolicy")
    return _load(path)
