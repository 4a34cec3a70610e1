"""manage.py generate_load_data: cases spread over the offices, with clerks to see them."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from documents.models import Case
from documents.selectors.worklists import worklist_counts
from documents.tests.fixtures import make_service
from offices.models import StaffMembership

pytestmark = pytest.mark.django_db


def test_generates_cases_over_every_office_and_drops_them(pki_dir):
    setups = [make_service(symbol="OR"), make_service(symbol="GK", slug="drugi")]
    out = io.StringIO()
    call_command("generate_load_data", cases=60, clerks_per_department=2, applicants=5, stdout=out)
    assert "Generated 60 cases" in out.getvalue()
    per_office = dict(Case.objects.values_list("office_id").annotate(n=Count("pk")))
    assert per_office == {setups[0].office.pk: 30, setups[1].office.pk: 30}
    signs = set(Case.objects.values_list("office_id", "sign"))
    assert len(signs) == 60  # unique per office
    clerk = StaffMembership.objects.filter(role="clerk", office=setups[0].office).first().user
    counts = worklist_counts(staff=clerk)
    assert 0 < counts["department"] <= 30
    call_command("generate_load_data", cases=10, stdout=io.StringIO())  # tops up, numbers go on
    assert (
        Case.objects.count() == 70 and len(set(Case.objects.values_list("office_id", "sign"))) == 70
    )
    call_command("generate_load_data", drop=True, stdout=io.StringIO())
    assert not Case.objects.exists()
