"""Reads of filed documents by staff and through the ESP pull API are logged: who read what."""

from __future__ import annotations

import pytest

from documents.services import esp_next
from documents.services.esp import EspCaller
from documents.tests.test_backoffice import clerk_of, two_offices  # noqa: F401
from offices.models import StaffMembership
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed

pytestmark = pytest.mark.django_db


def _reads():
    return list(AuditEntry.objects.filter(action="documents.document.read").order_by("seq"))


def test_clerk_download_is_logged_with_reader_and_document(client, two_offices):  # noqa: F811
    a, _b, case_a, _case_b, _applicant = two_offices
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)
    submission = case_a.submissions.get()

    response = client.get(f"/backoffice/sprawy/{case_a.pk}/dokumenty/{submission.public_id}.xml")

    assert response.status_code == 200
    [entry] = _reads()
    assert entry.actor_id == clerk.pk
    assert (entry.target_type, entry.target_id) == ("documents.submission", str(submission.pk))
    assert entry.after == {
        "channel": "backoffice",
        "office": a.office.pk,
        "case": case_a.pk,
        "sha256": submission.sha256,
    }


def test_refused_download_is_not_a_read(client, two_offices):  # noqa: F811
    a, _b, case_a, case_b, _applicant = two_offices
    login_with_second_factor(client, clerk_of(a))
    other = case_b.submissions.get()

    response = client.get(f"/backoffice/sprawy/{case_a.pk}/dokumenty/{other.public_id}.xml")

    assert response.status_code == 404
    assert _reads() == []


def test_opening_a_case_page_is_logged(client, two_offices):  # noqa: F811
    a, _b, case_a, case_b, _applicant = two_offices
    clerk = clerk_of(a)
    login_with_second_factor(client, clerk)

    assert client.get(f"/backoffice/sprawy/{case_a.pk}/").status_code == 200
    assert client.get(f"/backoffice/sprawy/{case_b.pk}/").status_code == 404

    [entry] = AuditEntry.objects.filter(action="documents.case.viewed")
    assert entry.actor_id == clerk.pk and entry.target_id == str(case_a.pk)


def test_esp_pull_is_logged_per_document_handed_out(two_offices):  # noqa: F811
    a, _b, case_a, _case_b, _applicant = two_offices
    registry = StaffFactory()
    StaffMembership.objects.create(user=registry, office=a.office, role="registry_clerk")

    caller = EspCaller(user=registry, second_factor=True)
    first = esp_next(caller=caller, office=a.office)
    again = esp_next(caller=caller, office=a.office)

    assert first == again == case_a.submissions.get()
    reads = _reads()
    assert [(e.actor_id, e.target_id, e.after["channel"]) for e in reads] == [
        (registry.pk, str(first.pk), "esp"),
        (registry.pk, str(first.pk), "esp"),
    ]


def test_refused_esp_pull_is_not_a_read(two_offices):  # noqa: F811
    a, b, _case_a, _case_b, _applicant = two_offices
    outsider = StaffFactory()
    StaffMembership.objects.create(user=outsider, office=b.office, role="registry_clerk")

    with pytest.raises(NotAllowed):
        esp_next(caller=EspCaller(user=outsider, second_factor=True), office=a.office)

    assert _reads() == []
