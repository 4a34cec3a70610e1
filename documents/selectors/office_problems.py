"""An office's configuration problems, for the problems page (``backoffice.office_problems``).

Each source is read through its app's selector, for all the offices at once, so the page costs
the same few queries for one office or all 54: services without a routing department and
departments without anyone to handle their cases (offices), fee kinds without a fee account
(payments), seals running out within 30 days (certauth).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from certauth.selectors import seals_expiring
from offices.models import Office
from offices.selectors import departments_without_clerks, services_without_department
from payments.models import FeeType
from payments.selectors import fee_accounts_missing

SEAL_WARNING = dt.timedelta(days=30)


@dataclass(frozen=True)
class Problem:
    kind: str  # service_without_department | department_without_clerks | fee_account | seal
    subject: str
    explanation: Promise | str
    fix_url: str
    fix_label: Promise | str


@dataclass
class OfficeProblems:
    office: Office
    problems: list[Problem] = field(default_factory=list)


def office_problems(
    *, offices: Sequence[Office], now: dt.datetime | None = None
) -> list[OfficeProblems]:
    """The problems of each of ``offices`` (in their order); seven queries in all."""
    by_id = {office.pk: OfficeProblems(office) for office in offices}
    ids = list(by_id)
    for service in services_without_department(office_ids=ids):
        by_id[service.office_id].problems.append(
            Problem(
                "service_without_department",
                service.title,
                _(
                    "The service's handling department is closed: its cases would reach "
                    "nobody's list."
                ),
                reverse("admin:offices_service_change", args=[service.pk]),
                _("Choose the department"),
            )
        )
    for department in departments_without_clerks(office_ids=ids):
        by_id[department.office_id].problems.append(
            Problem(
                "department_without_clerks",
                f"{department.symbol} – {department.name}",
                _("Nobody active handles the department's cases (no clerk or head)."),
                reverse("offices:staff_import"),
                _("Add staff"),
            )
        )
    labels = dict(FeeType.choices)
    for office_id, kinds in fee_accounts_missing(office_ids=ids).items():
        for kind in kinds:
            by_id[office_id].problems.append(
                Problem(
                    "fee_account",
                    str(labels.get(kind, kind)),
                    _("No fee account receives this kind of fee: payment orders would fail."),
                    reverse("admin:payments_feeaccount_add"),
                    _("Add the fee account"),
                )
            )
    terc_to_id = {office.terc: office.pk for office in offices}
    for terc, not_after in sorted(
        seals_expiring(office_tercs=list(terc_to_id), within=SEAL_WARNING, now=now).items()
    ):
        by_id[terc_to_id[terc]].problems.append(
            Problem(
                "seal",
                f"{timezone.localtime(not_after):%d.%m.%Y %H:%M}",
                _("The office's seal certificate expires within 30 days."),
                reverse("certauth:staff_request_new"),
                _("Request a new seal certificate"),
            )
        )
    return list(by_id.values())
