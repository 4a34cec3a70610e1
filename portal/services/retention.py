"""Drafts never sent are not kept for ever: a draft left without a save for
``PORTAL_DRAFT_KEEP_DAYS`` (default 90) is deleted, and its owner is told by e-mail
``PORTAL_DRAFT_NOTICE_DAYS`` (default 14) before. A draft is deleted only after a notice about
its current period was sent at least that long ago, so a stopped beat never deletes anything
unannounced; saving the draft again starts a new period. Both steps are idempotent."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sekap import audit
from sekap.datetimes import polish_date
from sekap.outbox.services import mail_queue
from sekap.site import public_url

from ..models import Draft, DraftStatus


def _periods() -> tuple[dt.timedelta, dt.timedelta]:
    return (
        dt.timedelta(days=settings.PORTAL_DRAFT_KEEP_DAYS),
        dt.timedelta(days=settings.PORTAL_DRAFT_NOTICE_DAYS),
    )


def _unsent() -> QuerySet[Draft]:
    return Draft.objects.exclude(status=DraftStatus.SUBMITTED)


def drafts_to_announce(*, now: dt.datetime) -> QuerySet[Draft]:
    keep, notice = _periods()
    return _unsent().filter(
        Q(expiry_notice_at__isnull=True) | Q(expiry_notice_at__lt=F("updated_at")),
        updated_at__lte=now - (keep - notice),
    )


def drafts_expired(*, now: dt.datetime) -> QuerySet[Draft]:
    keep, notice = _periods()
    return _unsent().filter(
        updated_at__lte=now - keep,
        expiry_notice_at__gte=F("updated_at"),
        expiry_notice_at__lte=now - notice,
    )


def _deleted_on(draft: Draft, keep: dt.timedelta) -> dt.date:
    return timezone.localdate(draft.updated_at + keep)


def drafts_expiry_notify(*, now: dt.datetime | None = None) -> int:
    """One e-mail per owner listing the drafts that will be deleted; returns how many owners."""
    now = now or timezone.now()
    keep, _notice = _periods()
    by_owner: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in drafts_to_announce(now=now).values_list("pk", "owner_id"):
        by_owner[owner_id].append(pk)
    told = 0
    for ids in by_owner.values():
        with transaction.atomic():
            drafts = list(
                drafts_to_announce(now=now)
                .filter(pk__in=ids)
                .select_for_update(of=("self",))
                .select_related("owner", "service")
            )
            if not drafts:
                continue
            owner = drafts[0].owner
            Draft.objects.filter(pk__in=[d.pk for d in drafts]).update(expiry_notice_at=now)
            if owner.email and owner.is_active:
                with override(settings.LANGUAGE_CODE):
                    lines = "\n".join(
                        f"- {d.service.title}: {polish_date(_deleted_on(d, keep))}" for d in drafts
                    )
                    mail_queue(
                        to=owner.email,
                        topic="portal.drafts_expiring",
                        subject=_("SEKAP: drafts that will be deleted"),
                        body=_(
                            "These drafts have not been saved for a long time and will be deleted "
                            "on the dates given unless you save or send them before:\n\n"
                            "%(drafts)s\n\nYour drafts: %(url)s"
                        )
                        % {"drafts": lines, "url": public_url("/wnioski/robocze/")},
                    )
            told += 1
    return told


def drafts_expired_delete(*, now: dt.datetime | None = None, limit: int = 1000) -> int:
    """Delete drafts whose period ended at least the notice period after their notice."""
    now = now or timezone.now()
    deleted = 0
    with transaction.atomic():
        drafts = list(
            drafts_expired(now=now)
            .select_for_update(of=("self",))
            .select_related("service")
            .order_by("pk")[:limit]
        )
        for draft in drafts:
            audit.record(
                action="portal.draft.expired",
                target=draft,
                after={
                    "owner": draft.owner_id,
                    "service": draft.service_id,
                    "last_saved": draft.updated_at.isoformat(),
                    "notice": draft.expiry_notice_at.isoformat(),
                },
            )
        deleted = Draft.objects.filter(pk__in=[d.pk for d in drafts]).delete()[0]
    return deleted
