"""The rule for accounts nobody uses (docs/operations.md): a citizen's or business account not
logged into for ``ACCOUNTS_INACTIVE_YEARS`` (default 3; never logged in: counted from
registration) gets an e-mail saying it will be deactivated; ``ACCOUNTS_INACTIVE_NOTICE_DAYS``
(default 30) later, if nobody has logged in since, it is deactivated. Nothing is deleted: the
offices' records keep naming the account; CPD reactivates it on request (helpdesk, admin).
Staff accounts are left to their office's administrators. Both steps are idempotent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sekap import audit
from sekap.outbox.services import mail_queue
from sekap.site import public_url

from .models import User, UserKind


def _periods() -> tuple[dt.timedelta, dt.timedelta]:
    return (
        dt.timedelta(days=365 * settings.ACCOUNTS_INACTIVE_YEARS),
        dt.timedelta(days=settings.ACCOUNTS_INACTIVE_NOTICE_DAYS),
    )


def _unused(now: dt.datetime) -> QuerySet[User]:
    unused_for, _notice = _periods()
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .exclude(kind=UserKind.STAFF)
        .alias(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lte=now - unused_for)
    )


def accounts_to_warn(*, now: dt.datetime) -> QuerySet[User]:
    return _unused(now).filter(
        Q(inactivity_notice_at__isnull=True) | Q(inactivity_notice_at__lt=F("last_seen"))
    )


def accounts_to_deactivate(*, now: dt.datetime) -> QuerySet[User]:
    _unused_for, notice = _periods()
    return _unused(now).filter(
        inactivity_notice_at__gte=F("last_seen"), inactivity_notice_at__lte=now - notice
    )


def inactive_accounts_warn(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    now = now or timezone.now()
    _unused_for, notice = _periods()
    warned = 0
    for pk in list(accounts_to_warn(now=now).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            user = accounts_to_warn(now=now).select_for_update().filter(pk=pk).first()
            if user is None:
                continue
            user.inactivity_notice_at = now
            user.save(update_fields=["inactivity_notice_at"])
            audit.record(action="accounts.user.inactivity_notice", target=user, after={})
            with override(settings.LANGUAGE_CODE):
                mail_queue(
                    to=user.email,
                    topic="accounts.inactive",
                    subject=_("SEKAP: your account will be deactivated"),
                    body=_(
                        "You have not used your SEKAP account for %(years)s years. It will be "
                        "deactivated on %(date)s unless you log in before then. Your "
                        "applications and cases stay with the offices.\n\nLog in: %(url)s"
                    )
                    % {
                        "years": settings.ACCOUNTS_INACTIVE_YEARS,
                        "date": f"{timezone.localdate(now + notice):%d.%m.%Y}",
                        "url": public_url("/konto/logowanie/"),
                    },
                )
            warned += 1
    return warned


def inactive_accounts_deactivate(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    now = now or timezone.now()
    done = 0
    for pk in list(accounts_to_deactivate(now=now).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            user = accounts_to_deactivate(now=now).select_for_update().filter(pk=pk).first()
            if user is None:
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(
                action="accounts.user.deactivated_unused",
                target=user,
                before={"is_active": True},
                after={"is_active": False, "notice": user.inactivity_notice_at.isoformat()},
            )
            done += 1
    return done
