import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from offices.models import Deputy
from offices.selectors import deputies_active, stands_in_for
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_deputy_stands_in_only_within_the_period():
    office, principal, deputy = OfficeFactory(), StaffFactory(), StaffFactory()
    now = timezone.now()
    Deputy.objects.create(
        office=office,
        principal=principal,
        deputy=deputy,
        valid_from=now - dt.timedelta(days=1),
        valid_to=now + dt.timedelta(days=6),
        reason="urlop",
    )
    assert list(stands_in_for(deputy=deputy).values_list("principal_id", flat=True)) == [
        principal.pk
    ]
    assert deputies_active(office=office).count() == 1
    later = now + dt.timedelta(days=7)
    assert not stands_in_for(deputy=deputy, at=later).exists()
    assert not deputies_active(office=office, at=later).exists()


def test_a_period_must_end_after_it_starts_and_nobody_deputises_for_themselves():
    office, person = OfficeFactory(), StaffFactory()
    now = timezone.now()
    backwards = Deputy(
        office=office,
        principal=person,
        deputy=StaffFactory(),
        valid_from=now,
        valid_to=now - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="after the start"):
        backwards.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Deputy.objects.create(
            office=office,
            principal=person,
            deputy=person,
            valid_from=now,
            valid_to=now + dt.timedelta(days=1),
        )
