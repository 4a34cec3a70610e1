"""Portal accounts: registration, e-mail confirmation, profile, proving identity by signature."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from stdnum.pl import pesel as std_pesel

from sekap import audit
from sekap.accounts.models import User, UserKind, VerificationMethod
from sekap.accounts.services import identity_verify, user_snapshot
from sekap.errors import DomainError

from ..models import IdentityChallenge, Profile

CONFIRM_SALT = "portal.email-confirmation"
CONFIRM_MAX_AGE = 3 * 24 * 3600
CHALLENGE_NS = "urn:sekap:portal:identity-challenge:1"
CHALLENGE_MAX_AGE = timedelta(hours=2)


class AccountError(DomainError):
    code = "portal.account"
    message = gettext_lazy("The account could not be changed.")


class ConfirmationInvalid(AccountError):
    code = "portal.confirmation_invalid"
    message = gettext_lazy(
        "This confirmation link is invalid or has expired. Register again or ask for a new link."
    )


class ChallengeRefused(AccountError):
    code = "portal.challenge_refused"
    message = gettext_lazy("The signed confirmation does not prove your identity.")


def profile_of(user: User) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


# --- registration ---------------------------------------------------------------------------


def confirmation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT)


@transaction.atomic
def registration_create(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    kind: str = UserKind.CITIZEN,
    confirm_url: str,
) -> User | None:
    """An inactive account; it becomes active when the link sent by e-mail is opened.

    For an address that already has an account nothing is created (None) and its owner gets a
    notice, so the page never reveals which addresses are registered.

    ``confirm_url`` is the absolute URL with ``{token}`` where the token goes.
    """
    if kind not in (UserKind.CITIZEN, UserKind.BUSINESS):
        raise AccountError(_("Choose the kind of account."))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        # Say nothing on the page (no probing which addresses have accounts); tell the owner.
        subject = _("Someone tried to register your e-mail address in SEKAP")
        body = _(
            "Hello,\n\nsomeone tried to create a SEKAP account with this address, which already "
            "has one. If it was you, log in or set a new password. If not, ignore this message."
        )
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [existing.email])
        )
        return None
    user = User.objects.create_user(
        email, password, first_name=first_name, last_name=last_name, kind=kind, is_active=False
    )
    Profile.objects.create(user=user)
    audit.record(actor=user, action="portal.account.registered", target=user, after={"kind": kind})
    link = confirm_url.replace("{token}", confirmation_token(user))
    subject = _("Confirm your e-mail address in SEKAP")
    body = _(
        "Hello,\n\nto finish creating your SEKAP account open this link within 3 days:\n\n"
        "%(link)s\n\nIf you did not register, ignore this message."
    ) % {"link": link}
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    )
    return user


@transaction.atomic
def email_confirm(*, token: str) -> User:
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature as exc:
        raise ConfirmationInvalid() from exc
    user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
    if user is None or user.email != payload.get("e"):
        raise ConfirmationInvalid()
    profile = profile_of(user)
    if profile.email_confirmed_at is None:
        profile.email_confirmed_at = timezone.now()
        profile.save(update_fields=["email_confirmed_at"])
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit.record(
            actor=user,
            action="portal.account.email_confirmed",
            target=user,
            before={"is_active": False},
            after={"is_active": True},
        )
    return user


# --- profile --------------------------------------------------------------------------------


def pesel_problem(value: str) -> str | None:
    if not value:
        return None
    if not std_pesel.is_valid(value):
        return _("The PESEL number is not valid: check its 11 digits.")
    return None


@transaction.atomic
def profile_update(*, user: User, person: dict, address: dict) -> User:
    """Change name, PESEL, phone and address. A verified person's name and PESEL are fixed."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user_snapshot(user)
    profile = profile_of(user)
    before_address = profile.address
    pesel = (person.get("pesel") or "").replace(" ", "")
    problem = pesel_problem(pesel)
    if problem:
        raise AccountError(problem)
    identity = (person.get("first_name", ""), person.get("last_name", ""), pesel)
    if user.is_identity_verified and identity != (user.first_name, user.last_name, user.pesel):
        raise AccountError(
            _(
                "Your identity is verified, so your name and PESEL can only be changed "
                "at an office counter."
            )
        )
    if pesel and User.objects.filter(pesel=pesel).exclude(pk=user.pk).exists():
        raise AccountError(_("Another account already uses this PESEL number."))
    user.first_name, user.last_name, user.pesel = identity
    user.phone = person.get("phone", "")
    user.save(update_fields=["first_name", "last_name", "pesel", "phone"])
    for key in ("postal_code", "post_office", "city", "street", "building", "unit"):
        setattr(profile, key, address.get(key, ""))
    profile.save()
    audit.record(
        actor=user,
        action="portal.profile.changed",
        target=user,
        before={**before, "address": before_address},
        after={**user_snapshot(user), "address": profile.address},
    )
    return user


# --- proving identity with a signature ------------------------------------------------------


@transaction.atomic
def identity_challenge_create(*, user: User) -> IdentityChallenge:
    return IdentityChallenge.objects.create(user=user, nonce=secrets.token_hex(16))


def challenge_document(challenge: IdentityChallenge) -> bytes:
    """The XML the person signs: the nonce and their account, nothing else."""
    ns = f"{{{CHALLENGE_NS}}}"
    root = etree.Element(ns + "PotwierdzenieTozsamosci", nsmap={None: CHALLENGE_NS})
    etree.SubElement(root, ns + "Konto").text = challenge.user.email
    etree.SubElement(root, ns + "Wyzwanie").text = challenge.nonce
    etree.SubElement(root, ns + "Utworzono").text = challenge.created_at.isoformat()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _verified_nonces(report, *, email: str) -> list[str]:
    """Nonces read only from content the passing signatures actually cover (never from the
    raw upload): the covered ``PotwierdzenieTozsamosci`` of this account."""
    nonces = []
    for element in report.signed_content:
        if getattr(element, "tag", None) != f"{{{CHALLENGE_NS}}}PotwierdzenieTozsamosci":
            continue
        if (element.findtext(f"{{{CHALLENGE_NS}}}Konto") or "").strip() != email:
            continue
        for found in element.findall(f"{{{CHALLENGE_NS}}}Wyzwanie"):
            if found.text:
                nonces.append(found.text.strip())
    return nonces


@transaction.atomic
def identity_prove_by_signature(*, user: User, signed_xml: bytes) -> User:
    """Verify the person by a challenge signed with a SEKAP or qualified certificate.

    The signature must pass validation, cover a fresh unused challenge of this account, and be
    made with a certificate whose PESEL is the one in the profile.
    """
    from signatures.services import validate

    if user.is_identity_verified:
        return user
    if not user.pesel:
        raise ChallengeRefused(_("Enter your PESEL number in your profile first."))
    report = validate(signed_xml)
    passing = [s for s in report.signatures if s.passed]
    if report.indication != "TOTAL_PASSED" or not passing:
        raise ChallengeRefused(
            _("The signature is not valid (%(reason)s). Sign the file again.")
            % {"reason": report.sub_indication or report.indication}
        )
    if any(s.trusted_profile for s in passing):
        raise ChallengeRefused(
            _("Sign with your own certificate, not the SEKAP personal signature.")
        )
    nonces = _verified_nonces(report, email=user.email)
    earliest = timezone.now() - CHALLENGE_MAX_AGE
    challenge = (
        IdentityChallenge.objects.select_for_update()
        .filter(user=user, nonce__in=nonces, used_at__isnull=True, created_at__gte=earliest)
        .first()
    )
    if challenge is None:
        raise ChallengeRefused(
            _("The signed file is not your current confirmation. Download a new one and sign it.")
        )
    signer_pesels = {s.signed_by.pesel for s in passing if s.signed_by is not None}
    if user.pesel not in signer_pesels:
        raise ChallengeRefused(_("The certificate's PESEL number is not the one in your profile."))
    challenge.used_at = timezone.now()
    challenge.save(update_fields=["used_at"])
    return identity_verify(user=user, verified_by=None, method=VerificationMethod.CERTIFICATE)


# --- counter verification -------------------------------------------------------------------


def identity_verify_at_counter(*, user: User, clerk: User, document_checked: bool) -> User:
    if not document_checked:
        raise AccountError(_("Confirm that you checked the person's identity document."))
    if not user.pesel:
        raise AccountError(
            _("The person has no PESEL number in their profile; ask them to add it first.")
        )
    if not user.is_active:
        raise AccountError(_("The person has not confirmed their e-mail address yet."))
    return identity_verify(user=user, verified_by=clerk, method=VerificationMethod.COUNTER)
