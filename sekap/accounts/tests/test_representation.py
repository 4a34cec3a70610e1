import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sekap.accounts.models import RepresentationStatus
from sekap.accounts.services import (
    RepresentationError,
    representation_decide,
    representation_request,
)
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    return representation_request(
        user=UserFactory(),
        nip="1234563218",
        name="Handel Śląski sp. z o.o.",
        power_of_attorney=SimpleUploadedFile("poa.pdf", b"%PDF-1.4 test"),
    )


def test_only_office_staff_decide_and_nothing_changes_on_refusal(pending):
    with pytest.raises(RepresentationError):
        representation_decide(
            representation=pending, actor=UserFactory(), approve=True, office_terc="2466011"
        )
    pending.refresh_from_db()
    assert pending.status == RepresentationStatus.PENDING

    clerk = StaffFactory()
    representation_decide(representation=pending, actor=clerk, approve=True, office_terc="2466011")
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == (RepresentationStatus.APPROVED, clerk)
    assert AuditEntry.objects.filter(action="accounts.representation.approved").exists()


def test_invalid_nip_is_refused():
    with pytest.raises(RepresentationError):
        representation_request(
            user=UserFactory(),
            nip="1234563219",
            name="X",
            power_of_attorney=SimpleUploadedFile("poa.pdf", b"%PDF-1.4"),
        )
