"""Changes to accounts: identity verification, second factor, admin edits. All audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from sekap import audit
from sekap.errors import DomainError

from .models import (
    Company,
    IdentityDocumentKind,
    IdentityLevel,
    Representation,
    RepresentationStatus,
    User,
    UserKind,
    UserSession,
    VerificationMethod,
)

AUDITED_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "kind",
    "pesel",
    "phone",
    "identity_level",
    "is_active",
    "is_staff",
    "is_superuser",
)


class IdentityError(DomainError):
    code = "accounts.identity"
    message = _("The identity could not be confirmed.")


def user_snapshot(user: User) -> dict:
    return {field: getattr(user, field) for field in AUDITED_FIELDS}


@transaction.atomic
def user_admin_save(*, actor: User, user: User, before: dict | None) -> User:
    created = user.pk is None
    user.save()
    audit.record(
        actor=actor,
        action="accounts.user.created" if created else "accounts.user.changed",
        target=user,
        before=before,
        after=user_snapshot(user),
    )
    return user


@dataclass(frozen=True)
class IdentityDocument:
    """What a clerk read from the identity document a person showed at the counter.

    A PESEL identifies a person registered in Poland. Someone without one (a foreigner with a
    residence card or a passport) is identified by the document's kind and number, their date
    of birth and nationality (ISO 3166-1 alpha-3, as printed in the document).
    """

    kind: str
    pesel: str = ""
    number: str = ""
    birth_date: dt.date | None = None
    nationality: str = ""


def _apply_document(user: User, document: IdentityDocument) -> None:
    if document.kind not in IdentityDocumentKind.values:
        raise IdentityError(_("Choose the kind of identity document."))
    if document.pesel:
        if user.pesel and user.pesel != document.pesel:
            raise IdentityError(
                _(
                    "The PESEL number in the document is not the one in the account. Do not "
                    "confirm this account: the person should correct the profile or use their "
                    "own account."
                )
            )
        user.pesel = document.pesel
        user.id_document_kind = document.kind
        return
    if user.pesel:
        raise IdentityError(
            _(
                "The account has a PESEL number, but none was read from the document. Check it "
                "in a document that shows the PESEL, or ask the person to remove it from the "
                "profile."
            )
        )
    if not (document.number and document.birth_date and document.nationality):
        raise IdentityError(
            _(
                "Without a PESEL number enter the document's number, the date of birth and the "
                "nationality."
            )
        )
    user.id_document_kind = document.kind
    user.id_document_number = document.number.upper().replace(" ", "")
    user.birth_date = document.birth_date
    user.nationality = document.nationality.upper()


def _check_identity_free(user: User) -> None:
    """A PESEL (or a foreigner's document) identifies one verified account only."""
    verified = User.objects.filter(identity_level=IdentityLevel.VERIFIED).exclude(pk=user.pk)
    if user.pesel and verified.filter(pesel=user.pesel).exists():
        raise IdentityError(
            _(
                "Another account with this PESEL number is already verified. The person should "
                "log in to that account; if they no longer have access to it, an administrator "
                "must resolve it."
            )
        )
    if (
        user.id_document_number
        and verified.filter(
            nationality=user.nationality,
            id_document_kind=user.id_document_kind,
            id_document_number=user.id_document_number,
        ).exists()
    ):
        raise IdentityError(_("Another account with this identity document is already verified."))


@transaction.atomic
def identity_verify(
    *,
    user: User,
    verified_by: User | None,
    method: str,
    document: IdentityDocument | None = None,
    level_of_assurance: str = "",
) -> User:
    """Mark a person's identity as verified, recording who did it, how and with what (and, for
    the national node, at which eIDAS level of assurance).

    PESEL squatting: anyone can type any PESEL into an unverified profile, so a PESEL is unique
    among verified accounts only (a partial unique constraint), and verification is refused
    when another verified account already holds the same PESEL or document.
    """
    if method not in VerificationMethod.values:
        raise IdentityError(_("Unknown verification method."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if verified_by is not None and verified_by.pk == user.pk:
        raise IdentityError(_("Nobody can confirm their own identity."))
    before = user_snapshot(user)
    if document is not None:
        _apply_document(user, document)
    if not user.pesel and not user.id_document_number:
        raise IdentityError(_("A PESEL number or an identity document is needed."))
    _check_identity_free(user)
    user.identity_level = IdentityLevel.VERIFIED
    user.verified_by = verified_by
    user.verified_method = method
    user.verified_at = timezone.now()
    user.verified_loa = level_of_assurance
    try:
        with transaction.atomic():
            user.save(
                update_fields=[
                    "identity_level",
                    "verified_by",
                    "verified_method",
                    "verified_at",
                    "verified_loa",
                    "pesel",
                    "id_document_kind",
                    "id_document_number",
                    "birth_date",
                    "nationality",
                ]
            )
    except IntegrityError as exc:  # a concurrent verification took the same identity
        raise IdentityError(_("Another account with this identity is already verified.")) from exc
    audit.record(
        actor=verified_by or user,
        action="accounts.identity.verified",
        target=user,
        before={"identity_level": before["identity_level"], "pesel": before["pesel"]},
        after={
            "identity_level": user.identity_level,
            "method": method,
            "level_of_assurance": level_of_assurance,
            "pesel": user.pesel,
            "document": user.id_document_kind,
        },
    )
    return user


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for the user to add to an authenticator app."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="SEKAP", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm a new device with the first code it shows; audited."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="accounts.totp.enrolled", target=user)
    return True


# --- businesses and their representatives ----------------------------------------------------


class RepresentationError(DomainError):
    code = "accounts.representation"
    message = _("The power of attorney could not be processed.")


@transaction.atomic
def representation_request(
    *,
    user: User,
    nip: str,
    name: str,
    regon: str = "",
    krs: str = "",
    address: str = "",
    scope: str = "",
    power_of_attorney,
) -> Representation:
    """A person asks to act for a company; an office checks the power of attorney."""
    from stdnum.pl import nip as nip_number
    from stdnum.pl import regon as regon_number

    if not nip_number.is_valid(nip):
        raise RepresentationError(_("The NIP is not valid: check its digits."))
    if regon and not regon_number.is_valid(regon):
        raise RepresentationError(_("The REGON is not valid: check its digits."))
    company, _created = Company.objects.get_or_create(
        nip=nip_number.compact(nip),
        defaults={"name": name, "regon": regon, "krs": krs, "address": address},
    )
    if Representation.objects.filter(
        company=company,
        user=user,
        status__in=[RepresentationStatus.PENDING, RepresentationStatus.APPROVED],
    ).exists():
        raise RepresentationError(_("You already represent this company or are waiting."))
    content = power_of_attorney.read()
    power_of_attorney.seek(0)
    representation = Representation.objects.create(
        company=company,
        user=user,
        scope=scope,
        power_of_attorney=power_of_attorney,
        power_of_attorney_sha256=hashlib.sha256(content).hexdigest(),
    )
    audit.record(
        actor=user,
        action="accounts.representation.requested",
        target=representation,
        after={"company": company.nip, "sha256": representation.power_of_attorney_sha256},
    )
    return representation


@transaction.atomic
def representation_decide(
    *,
    representation: Representation,
    actor: User,
    approve: bool,
    office_terc: str,
    note: str = "",
) -> Representation:
    """An office clerk approves or rejects a power of attorney (callers check the office role;
    the service refuses anyone who is not office staff)."""
    if getattr(actor, "kind", None) != UserKind.STAFF:
        raise RepresentationError(_("Only office staff can decide on a power of attorney."))
    representation = Representation.objects.select_for_update().get(pk=representation.pk)
    if representation.status != RepresentationStatus.PENDING:
        raise RepresentationError(_("This request has already been decided."))
    if representation.user_id == actor.pk:
        raise RepresentationError(_("Nobody can approve their own power of attorney."))
    representation.status = (
        RepresentationStatus.APPROVED if approve else RepresentationStatus.REJECTED
    )
    representation.decided_by = actor
    representation.decided_office_terc = office_terc
    representation.decided_at = timezone.now()
    representation.decision_note = note
    representation.save()
    audit.record(
        actor=actor,
        action=f"accounts.representation.{representation.status}",
        target=representation,
        before={"status": "pending"},
        after={"status": representation.status, "office": office_terc},
    )
    return representation


# --- credentials: passwords, API tokens, second-factor devices (all audited) ----------------


def _fingerprint(secret: str) -> str:
    """Names a secret in the audit trail without revealing it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def password_changed(*, actor: User, user: User, channel: str) -> None:
    """Record a password set by Django's own forms (admin, reset link) in the caller's
    transaction; the password itself is never recorded."""
    audit.record(
        actor=actor,
        action="accounts.password.changed",
        target=user,
        after={"channel": channel, "usable": user.has_usable_password()},
    )


@transaction.atomic
def api_token_issue(*, actor: User | None, user: User, token: Token | None = None) -> Token:
    """Give ``user`` a new API token, replacing any earlier one; the key is never logged."""
    previous = Token.objects.filter(user=user).values_list("key", flat=True).first()
    Token.objects.filter(user=user).delete()
    token = token if token is not None else Token()
    token.user = user
    token.save()
    audit.record(
        actor=actor,
        action="accounts.api_token.issued",
        target=user,
        before={"token": _fingerprint(previous)} if previous else None,
        after={"token": _fingerprint(token.key)},
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor: User, token: Token) -> None:
    audit.record(
        actor=actor,
        action="accounts.api_token.revoked",
        target=token.user,
        before={"token": _fingerprint(token.key)},
    )
    Token.objects.filter(key=token.key).delete()


def _device_snapshot(device: TOTPDevice) -> dict:
    return {"device": device.pk, "name": device.name, "confirmed": device.confirmed}


@transaction.atomic
def totp_device_admin_save(*, actor: User, device: TOTPDevice) -> TOTPDevice:
    """An administrator adds or changes someone's TOTP device (the secret is not recorded)."""
    created = device.pk is None
    before, key_changed = None, True
    if not created:
        old = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        before = {**_device_snapshot(old), "user": old.user_id}
        key_changed = old.key != device.key
    device.save()
    audit.record(
        actor=actor,
        action="accounts.totp.added" if created else "accounts.totp.changed",
        target=device.user,
        before=before,
        after={
            **_device_snapshot(device),
            "user": device.user_id,
            "key_changed": key_changed,
        },
    )
    return device


@transaction.atomic
def totp_device_delete(*, actor: User, device: TOTPDevice) -> None:
    audit.record(
        actor=actor,
        action="accounts.totp.removed",
        target=device.user,
        before={**_device_snapshot(device), "user": device.user_id},
    )
    device.delete()


@transaction.atomic
def account_anonymise(*, user: User, acting: User | None, reason: str) -> User:
    """Erase what the account says about its person and close it for good: the row stays (the
    audit trail and kept records name it by id), the e-mail becomes a placeholder, the name,
    PESEL, document and phone are emptied, the password unusable (every session ends: Django
    checks the password hash on each request) and API tokens and second factors removed.
    Callers check first that the law lets the data go (see ``portal.services.privacy``)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.email = f"usuniete-{user.pk}@invalid"
    user.first_name = user.last_name = user.pesel = user.phone = ""
    user.id_document_kind = user.id_document_number = user.nationality = ""
    user.birth_date = None
    user.identity_level, user.verified_method, user.verified_at = IdentityLevel.UNVERIFIED, "", None
    user.verified_loa = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    Token.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    audit.record(
        actor=acting,
        action="accounts.user.erased",
        target=user,
        after={"reason": reason},  # the fact only: the erased values are not copied here
    )
    return user


# --- leavers: an account closed at once (sessions, tokens) ---------------------------------


def user_sessions_end(*, user: User) -> int:
    """Delete every stored session of ``user``; how many. The sessions are found by the user's
    id kept beside each (``UserSession.user_id``): a query for the keys and one delete, however
    many sessions are live; a cached_db store's cached copies go in one call too."""
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    if not keys:
        return 0
    UserSession.objects.filter(user_id=user.pk).delete()
    cache_alias = getattr(store_class, "cache_key_prefix", None) and settings.SESSION_CACHE_ALIAS
    if cache_alias:  # a cached_db store keeps a copy of each session in the cache
        caches[cache_alias].delete_many([store_class.cache_key_prefix + key for key in keys])
    return len(keys)


@dataclass(frozen=True)
class Deactivation:
    user: User
    sessions_ended: int
    tokens_revoked: int


@transaction.atomic
def account_deactivate(*, user: User, actor: User | None, reason: str) -> Deactivation:
    """Close ``user``'s account now: inactive, every session ended, API tokens revoked; audited.
    Idempotent (a second call ends any session opened since and records the call again)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    was_active = user.is_active
    user.is_active = False
    user.save(update_fields=["is_active"])
    tokens = [
        _fingerprint(key) for key in Token.objects.filter(user=user).values_list("key", flat=True)
    ]
    Token.objects.filter(user=user).delete()
    sessions = user_sessions_end(user=user)
    audit.record(
        actor=actor,
        action="accounts.user.deactivated",
        target=user,
        before={"is_active": was_active},
        after={
            "is_active": False,
            "reason": reason,
            "sessions_ended": sessions,
            "tokens_revoked": tokens,
        },
    )
    return Deactivation(user=user, sessions_ended=sessions, tokens_revoked=len(tokens))
