"""Portal accounts: registration, e-mail confirmation, profile, proving identity by signature."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from stdnum.pl import pesel as std_pesel

from sekap import audit
from sekap.accounts.models import IdentityLevel, User, UserKind, VerificationMethod
from sekap.accounts.services import (
    IdentityDocument,
    IdentityError,
    identity_verify,
    user_snapshot,
)
from sekap.errors import DomainError
from sekap.text import search_key

from ..models import IdentityChallenge, Profile

CONFIRM_SALT = "portal.email-confirmation"
RESEND_INTERVAL = 10 * 60
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


class ConfirmationPasswordWrong(AccountError):
    code = "portal.confirmation_password"
    message = gettext_lazy(
        "This is not the password chosen when the account was registered. Enter it again; if "
        "you do not remember it, register again with the same address."
    )


class ChallengeRefused(AccountError):
    code = "portal.challenge_refused"
    message = gettext_lazy("The signed confirmation does not prove your identity.")


def profile_of(user: User) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


# --- registration ---------------------------------------------------------------------------
#
# Registration squatting: registering someone else's address must not lock its owner out. An
# account whose address was never confirmed can be registered over at any time (the newest
# registration wins and the links sent before stop working), it is removed when it has not been
# confirmed within ``SEKAP_UNCONFIRMED_ACCOUNT_HOURS``, and confirming needs the password chosen
# at registration as well as the link, so whoever registers over someone's account last cannot
# have the mailbox's owner activate it with a password the registrant knows.


def unconfirmed_hours() -> int:
    return int(getattr(settings, "SEKAP_UNCONFIRMED_ACCOUNT_HOURS", 48))


def unconfirmed_accounts() -> QuerySet[User]:
    """Self-registered accounts whose e-mail address was never confirmed."""
    return User.objects.filter(
        kind__in=[UserKind.CITIZEN, UserKind.BUSINESS],
        is_active=False,
        last_login__isnull=True,
        portal_profile__email_confirmed_at__isnull=True,
    )


def _password_tag(user: User) -> str:
    """Changes whenever the password is set again, so a new registration voids older links."""
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:16]


def confirmation_token(user: User) -> str:
    return signing.dumps(
        {"u": user.pk, "e": user.email, "p": _password_tag(user)}, salt=CONFIRM_SALT
    )


def _send_confirmation(user: User, confirm_url: str) -> None:
    link = confirm_url.replace("{token}", confirmation_token(user))
    subject = _("Confirm your e-mail address in SEKAP")
    body = _(
        "Hello,\n\nto finish creating your SEKAP account open this link within %(hours)s "
        "hours and enter the password you chose:\n\n%(link)s\n\nIf you did not register, "
        "ignore this message: the account will be removed."
    ) % {"link": link, "hours": unconfirmed_hours()}
    address = user.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address]))


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

    For an address whose account is confirmed nothing is created (None) and its owner gets a
    notice, so the page never reveals which addresses are registered. An unconfirmed account
    with the address is registered over: new password, names and kind, a new link.

    ``confirm_url`` is the absolute URL with ``{token}`` where the token goes.
    """
    if kind not in (UserKind.CITIZEN, UserKind.BUSINESS):
        raise AccountError(_("Choose the kind of account."))
    existing = User.objects.select_for_update().filter(email__iexact=email).first()
    if existing is not None and not unconfirmed_accounts().filter(pk=existing.pk).exists():
        # Say nothing on the page (no probing which addresses have accounts); tell the owner.
        subject = _("Someone tried to register your e-mail address in SEKAP")
        body = _(
            "Hello,\n\nsomeone tried to create a SEKAP account with this address, which already "
            "has one. If it was you, log in or set a new password. If not, ignore this message."
        )
        address = existing.email
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
        )
        return None
    if existing is not None:
        user = existing
        user.first_name, user.last_name, user.kind = first_name, last_name, kind
        user.date_joined = timezone.now()
        user.set_password(password)
        user.save(update_fields=["first_name", "last_name", "kind", "date_joined", "password"])
        action = "portal.account.registered_again"
    else:
        user = User.objects.create_user(
            email, password, first_name=first_name, last_name=last_name, kind=kind, is_active=False
        )
        Profile.objects.create(user=user)
        action = "portal.account.registered"
    audit.record(actor=user, action=action, target=user, after={"kind": kind})
    _send_confirmation(user, confirm_url)
    return user


def confirmation_resend(*, email: str, confirm_url: str) -> None:
    """Send the link again to an account waiting for confirmation, at most every 10 minutes.

    Whatever the address, the caller shows the same answer: nothing tells whether an account
    exists (the mail goes to the address's owner only).
    """
    user = unconfirmed_accounts().filter(email__iexact=email.strip()).first()
    if user is None:
        return
    if not cache.add(f"portal:confirmation-resend:{user.pk}", 1, timeout=RESEND_INTERVAL):
        return
    with transaction.atomic():
        audit.record(actor=user, action="portal.account.confirmation_resent", target=user)
        _send_confirmation(user, confirm_url)


def confirmation_user(token: str) -> User:
    """The account a link is for, if the link is still valid (no change made)."""
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=unconfirmed_hours() * 3600)
    except signing.BadSignature as exc:
        raise ConfirmationInvalid() from exc
    user = User.objects.filter(pk=payload.get("u")).first()
    if user is None or user.email != payload.get("e") or payload.get("p") != _password_tag(user):
        raise ConfirmationInvalid()
    return user


@transaction.atomic
def email_confirm(*, token: str, password: str) -> User:
    """Activate the account: the link proves the mailbox, the password proves the registrant."""
    user = confirmation_user(token)
    user = User.objects.select_for_update().get(pk=user.pk)
    profile = profile_of(user)
    if profile.email_confirmed_at is not None:
        return user
    if not user.check_password(password):
        raise ConfirmationPasswordWrong()
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


def unconfirmed_accounts_purge(*, now: dt.datetime | None = None) -> int:
    """Remove accounts not confirmed in time (idempotent); the number removed."""
    cutoff = (now or timezone.now()) - timedelta(hours=unconfirmed_hours())
    removed = 0
    for pk in unconfirmed_accounts().filter(date_joined__lt=cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            user = (
                unconfirmed_accounts()
                .select_for_update(of=("self",))  # not the profile: an outer join
                .filter(pk=pk, date_joined__lt=cutoff)
                .first()
            )
            if user is None:  # confirmed or registered again meanwhile
                continue
            audit.record(
                action="portal.account.expired",
                target=user,
                before={"email": user.email, "date_joined": user.date_joined.isoformat()},
            )
            try:
                with transaction.atomic():
                    user.delete()
            except ProtectedError:  # something refers to it after all: keep it, inactive
                transaction.set_rollback(True)
                continue
            removed += 1
    return removed


# --- profile --------------------------------------------------------------------------------


def pesel_verified_elsewhere(*, pesel: str, user: User) -> bool:
    return (
        User.objects.filter(pesel=pesel, identity_level=IdentityLevel.VERIFIED)
        .exclude(pk=user.pk)
        .exists()
    )


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
    # A PESEL typed into an unverified profile proves nothing, and refusing it would let a
    # stranger lock its owner out; so only a PESEL already verified for someone else (at a
    # counter, by certificate, through login.gov.pl) is refused: that owner cannot be locked out.
    if pesel and pesel != user.pesel and pesel_verified_elsewhere(pesel=pesel, user=user):
        raise AccountError(
            _(
                "This PESEL number belongs to an account whose identity is verified. If it is "
                "yours, log in to that account (for example through login.gov.pl)."
            )
        )
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
    signers = [s.signed_by for s in passing if s.signed_by is not None]
    if not any(signer.pesel == user.pesel for signer in signers):
        raise ChallengeRefused(_("The certificate's PESEL number is not the one in your profile."))
    if not any(signer.pesel == user.pesel and same_person_name(user, signer) for signer in signers):
        raise ChallengeRefused(
            _(
                "The name in the certificate is not the one in your profile. Correct the name "
                "in your profile to match the certificate and sign a new confirmation."
            )
        )
    challenge.used_at = timezone.now()
    challenge.save(update_fields=["used_at"])
    try:
        return identity_verify(user=user, verified_by=None, method=VerificationMethod.CERTIFICATE)
    except IdentityError as exc:
        raise ChallengeRefused(exc.message) from exc


def _name_words(text: str | None) -> list[str]:
    return search_key((text or "").replace("-", " ")).split()


def same_person_name(user: User, signer) -> bool:
    """The certificate names the profile's person: the same surname and the profile's first
    name among the certificate's given names (case, diacritics and hyphens ignored, since
    certificates may write names in capitals or without Polish letters)."""
    surname = _name_words(signer.surname)
    given = _name_words(signer.given_name)
    if not surname and not given and signer.common_name:  # only a common name: "Jan Kowalski"
        words = _name_words(signer.common_name)
        given, surname = words[:-1], words[-1:]
    first = _name_words(user.first_name)
    return (
        bool(first and surname)
        and _name_words(user.last_name) == surname
        and (set(first) <= set(given))
    )


# --- counter verification -------------------------------------------------------------------


def identity_verify_at_counter(
    *,
    user: User,
    clerk: User,
    document: IdentityDocument,
    account_confirmed: bool,
    document_checked: bool,
) -> User:
    """A clerk confirms the identity of the account's holder from the document they show.

    The clerk types the PESEL (or, without one, the document's number, the date of birth and
    the nationality) from the document, and confirms that the person says the account's e-mail
    address and name are theirs: a stranger's account that carries the person's PESEL is
    never the one confirmed.
    """
    if not account_confirmed:
        raise AccountError(
            _(
                "Confirm that the person gave you the account's e-mail address and that the "
                "name is theirs."
            )
        )
    if not document_checked:
        raise AccountError(_("Confirm that you checked the person's identity document."))
    if not user.is_active:
        raise AccountError(_("The person has not confirmed their e-mail address yet."))
    return identity_verify(
        user=user, verified_by=clerk, method=VerificationMethod.COUNTER, document=document
    )
