"""Changes to accounts: identity verification, second factor, admin edits. All audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sekap import audit
from sekap.errors import DomainError

from .models import IdentityLevel, User, VerificationMethod

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


@transaction.atomic
def identity_verify(*, user: User, verified_by: User | None, method: str) -> User:
    """Mark a person's identity as verified, recording who did it and how."""
    if method not in VerificationMethod.values:
        raise IdentityError(_("Unknown verification method."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if verified_by is not None and verified_by.pk == user.pk:
        raise IdentityError(_("Nobody can confirm their own identity."))
    before = user_snapshot(user)
    user.identity_level = IdentityLevel.VERIFIED
    user.verified_by = verified_by
    user.verified_method = method
    user.verified_at = timezone.now()
    user.save(update_fields=["identity_level", "verified_by", "verified_method", "verified_at"])
    audit.record(
        actor=verified_by or user,
        action="accounts.identity.verified",
        target=user,
        before={"identity_level": before["identity_level"]},
        after={"identity_level": user.identity_level, "method": method},
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
