"""The ESP pull interface for offices that run their own document system (EZD).

Modelled on the ePUAP ``pull`` service: count waiting documents (``OczekujaceDokumenty``),
get the next one (``PobierzNastepny``), confirm its receipt (``PotwierdzOdebranie``) by the
submission's id.

Who may pull an office's documents (:func:`esp_check_access`):

* the office's machine account: an :class:`~documents.models.EspToken` of that office, not
  revoked (issued and revoked by a CPD administrator or the office's administrator, on the
  back-office page or with ``manage.py esp_token``; each issue, fetch, confirmation and
  revocation is in the audit trail; only the token's SHA-256 is stored);
* a registry clerk (``registry_clerk``) of the office logged in through the browser, with a
  verified second factor. Other clerks, heads and administrators may not; personal API tokens
  are not accepted on this interface (a program uses a machine token).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from offices.models import Office, StaffRole
from offices.selectors import user_has_role, user_manages_office
from sekap import audit
from sekap.errors import NotAllowed

from ..errors import EspDigestMismatch, EspRoleRequired, EspSecondFactorRequired, NotFound
from ..models import EspToken, Submission
from ..selectors import esp_waiting
from .reads import document_read

TOKEN_PREFIX = "sekap_esp_"  # noqa: S105 - a recognisable prefix, not a secret


@dataclass(frozen=True)
class EspCaller:
    """Who pulls: an office's machine token, or a person logged in through the browser."""

    user: Any = None
    token: EspToken | None = None
    second_factor: bool = False

    def audit_fields(self) -> dict:
        if self.token is not None:
            return {"esp_token": self.token.pk, "esp_token_name": self.token.name}
        return {}

    @property
    def actor(self) -> Any:
        return None if self.token is not None else self.user


def esp_check_access(*, caller: EspCaller, office: Office) -> None:
    if caller.token is not None:
        if caller.token.office_id != office.pk or caller.token.revoked_at is not None:
            raise NotAllowed()
        return
    if not user_has_role(caller.user, role=StaffRole.REGISTRY_CLERK, office=office):
        raise EspRoleRequired()
    if not caller.second_factor:
        raise EspSecondFactorRequired()


def esp_count(*, caller: EspCaller, office: Office) -> int:
    esp_check_access(caller=caller, office=office)
    return esp_waiting(office=office).count()


@transaction.atomic
def esp_next(*, caller: EspCaller, office: Office) -> Submission | None:
    """The oldest document the office has not confirmed; handing it out is a read, logged with
    who took it (the token's id for a machine)."""
    esp_check_access(caller=caller, office=office)
    submission = (
        esp_waiting(office=office)
        .select_related("service", "case", "register_entry", "receipt")
        .first()
    )
    if submission is not None:
        document_read(
            reader=caller.actor, submission=submission, channel="esp", via=caller.audit_fields()
        )
    return submission


@transaction.atomic
def esp_confirm(
    *, caller: EspCaller, office: Office, submission_id: uuid.UUID, sha256: str = ""
) -> Submission:
    """Confirm receipt of the submission with this id (idempotent); ``sha256``, when given,
    must be the document's."""
    esp_check_access(caller=caller, office=office)
    submission = (
        Submission.objects.select_for_update()
        .filter(office=office, public_id=submission_id)
        .first()
    )
    if submission is None:
        raise NotFound()
    if sha256 and sha256.strip().lower() != submission.sha256:
        raise EspDigestMismatch()
    if submission.esp_confirmed_at is None:
        submission.esp_confirmed_at = timezone.now()
        submission.esp_confirmed_by = caller.actor
        submission.esp_confirmed_token = caller.token
        submission.save(
            update_fields=["esp_confirmed_at", "esp_confirmed_by", "esp_confirmed_token"]
        )
        audit.record(
            actor=caller.actor,
            action="documents.esp_confirmed",
            target=submission,
            after={"sha256": submission.sha256, "office": office.pk, **caller.audit_fields()},
        )
    return submission


# --- machine tokens -------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_manage_tokens(*, user: Any, office: Office) -> bool:
    """CPD administrators and the office's administrators."""
    return user_manages_office(user, office)


@transaction.atomic
def esp_token_issue(*, office: Office, name: str, actor: Any) -> tuple[EspToken, str]:
    """A new machine token for ``office``; the secret is returned once and never stored.

    ``actor=None`` is the operating system's administrator (``manage.py esp_token``).
    """
    if actor is not None and not may_manage_tokens(user=actor, office=office):
        raise NotAllowed()
    name = name.strip()[:120]
    if not name:
        raise ValueError("a token needs a name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = EspToken.objects.create(
        office=office,
        name=name,
        key_hash=_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 2],
        created_by=actor,
    )
    audit.record(
        actor=actor,
        action="documents.esp_token_issued",
        target=token,
        after={"office": office.terc, "name": name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def esp_token_revoke(*, token: EspToken, actor: Any) -> EspToken:
    token = EspToken.objects.select_for_update().select_related("office").get(pk=token.pk)
    if actor is not None and not may_manage_tokens(user=actor, office=token.office):
        raise NotAllowed()
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = actor
    token.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        action="documents.esp_token_revoked",
        target=token,
        before={"revoked_at": None},
        after={"office": token.office.terc, "revoked_at": token.revoked_at.isoformat()},
    )
    return token


def esp_token_authenticate(*, secret: str) -> EspToken | None:
    """The active token with this secret, its last use noted; None for anything else."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        EspToken.objects.select_related("office")
        .filter(key_hash=_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is not None:
        now = timezone.now()
        EspToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
