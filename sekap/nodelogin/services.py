"""Accounts and the national node: log in, create or link an account by PESEL, all audited.

An account is found by the PESEL the node vouches for, never by an e-mail address alone:

* a verified account with that PESEL is logged in (whatever verified it);
* a person already logged in with their password links their own account (their PESEL, if
  typed in, must be the node's);
* otherwise the person either links an existing account by its e-mail address and password
  (asked once; an account carrying another PESEL is refused) or creates a new account, which
  has no password: it is entered through the node only, so nobody can take it over by resetting
  a password through its mailbox.

The account is then verified with method "national node", the level of assurance and the time;
the node's names and date of birth replace what the profile said.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sekap import audit
from sekap.accounts.models import IdentityLevel, User, UserKind, VerificationMethod
from sekap.accounts.services import IdentityError, identity_verify
from sekap.errors import DomainError

from .sp import NodeIdentity


class NodeAccountError(DomainError):
    code = "nodelogin.account"
    message = _("The account could not be linked to login.gov.pl.")


@dataclass(frozen=True)
class NodeLoginResult:
    """The account to log in now, or None when the person must link or create one."""

    user: User | None
    linked_now: bool = False


def identity_to_session(identity: NodeIdentity) -> dict:
    data = asdict(identity)
    data["birth_date"] = identity.birth_date.isoformat() if identity.birth_date else None
    data["authenticated_at"] = identity.authenticated_at.isoformat()
    return data


def identity_from_session(data: dict) -> NodeIdentity:
    return NodeIdentity(
        **{
            **data,
            "birth_date": dt.date.fromisoformat(data["birth_date"]) if data["birth_date"] else None,
            "authenticated_at": dt.datetime.fromisoformat(data["authenticated_at"]),
        }
    )


def _audit_login(user: User, identity: NodeIdentity, action: str) -> None:
    audit.record(
        actor=user,
        action=action,
        target=user,
        after={
            "loa": identity.loa,
            "issuer": identity.issuer,
            "session_index": identity.session_index,
            "staff_account": user.needs_second_factor,
        },
    )


def verified_account(*, pesel: str) -> User | None:
    return User.objects.filter(
        identity_level=IdentityLevel.VERIFIED, pesel=pesel, is_active=True
    ).first()


@transaction.atomic
def node_login(*, identity: NodeIdentity, current: User | None) -> NodeLoginResult:
    """Decide whom the node's answer logs in. ``current`` is the user already logged in with a
    password in this browser (linking their own account), or None."""
    existing = verified_account(pesel=identity.pesel)
    if current is not None and current.is_authenticated:
        if existing is not None and existing.pk != current.pk:
            raise NodeAccountError(
                _(
                    "Another account is already verified with your PESEL number. Log out and "
                    "log in through login.gov.pl to use that account."
                )
            )
        user = _link(user=current, identity=identity)
        return NodeLoginResult(user=user, linked_now=True)
    if existing is not None:
        _audit_login(existing, identity, "nodelogin.logged_in")
        return NodeLoginResult(user=existing)
    return NodeLoginResult(user=None)


def _link(*, user: User, identity: NodeIdentity) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_identity_verified:
        if user.pesel != identity.pesel:
            raise NodeAccountError(
                _(
                    "This account is verified for another person. Log in through "
                    "login.gov.pl with your own account."
                )
            )
        _audit_login(user, identity, "nodelogin.logged_in")
        return user
    if user.pesel and user.pesel != identity.pesel:
        raise NodeAccountError(
            _(
                "The PESEL number in this account is not the one login.gov.pl confirmed. "
                "Correct it in your profile, or log in to your own account."
            )
        )
    before = {"first_name": user.first_name, "last_name": user.last_name, "pesel": user.pesel}
    user.pesel = identity.pesel
    user.first_name, user.last_name = identity.first_name, identity.last_name
    user.birth_date = identity.birth_date
    user.save(update_fields=["pesel", "first_name", "last_name", "birth_date"])
    try:
        user = identity_verify(
            user=user,
            verified_by=None,
            method=VerificationMethod.NATIONAL_NODE,
            level_of_assurance=identity.loa,
        )
    except IdentityError as exc:
        raise NodeAccountError(exc.message) from exc
    audit.record(
        actor=user,
        action="nodelogin.account_linked",
        target=user,
        before=before,
        after={"pesel": user.pesel, "loa": identity.loa, "issuer": identity.issuer},
    )
    _audit_login(user, identity, "nodelogin.logged_in")
    return user


@transaction.atomic
def node_link_with_password(*, identity: NodeIdentity, user: User) -> User:
    """Link the account whose password the person has just given (``authenticate`` checked it)."""
    if verified_account(pesel=identity.pesel) not in (None, user):
        raise NodeAccountError(_("Another account is already verified with your PESEL number."))
    return _link(user=user, identity=identity)


@transaction.atomic
def node_account_create(*, identity: NodeIdentity, email: str) -> User:
    """A new citizen's account for the person the node vouches for; entered through the node
    only (no password)."""
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise NodeAccountError(
            _(
                "This e-mail address already has an account. Link that account with its "
                "password instead, or give another address."
            )
        )
    if verified_account(pesel=identity.pesel) is not None:
        raise NodeAccountError(_("Another account is already verified with your PESEL number."))
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                None,  # unusable: no password login, no password reset through the mailbox
                first_name=identity.first_name,
                last_name=identity.last_name,
                kind=UserKind.CITIZEN,
            )
    except IntegrityError as exc:
        raise NodeAccountError(_("This e-mail address already has an account.")) from exc
    audit.record(
        actor=user,
        action="nodelogin.account_created",
        target=user,
        after={"email": user.email, "loa": identity.loa, "issuer": identity.issuer},
    )
    return _link(user=user, identity=identity)
