"""Gap-free numbers under concurrency (real threads, PostgreSQL row locks)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection
from django.utils import timezone

from certauth.models import CertificateAuthority
from certauth.services import seals
from certauth.services.ceremony import ca_init
from certauth.tests.fixtures import ensure_profiles
from documents import services
from documents.models import Case, RegisterEntry, Stage, Submission
from documents.services import intake
from documents.tests.fixtures import document_for, make_citizen, make_service, pesel
from sekap.accounts.tests.factories import UserFactory
from tests.support import require_postgresql

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    require_postgresql(connection.vendor, "row locks under concurrency need PostgreSQL")


def run_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def target(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_rpw_and_case_signs_are_gap_free_under_concurrent_intake(pki_dir):
    setup = make_service()
    applicant = UserFactory()
    now = timezone.now()
    ids = [
        Submission.objects.create(
            submitter=applicant,
            office=setup.office,
            service=setup.service,
            form_version=setup.version,
            title=f"Wniosek {i}",
            channel="api",
            idempotency_key=f"k{i}",
            document=b"<x/>",
            sha256=f"{i:064d}",
            size=4,
            received_at=now,
            intake_due_at=now,
            stage=Stage.SIGNATURE_CHECKED,
            signature_indication="TOTAL_PASSED",
        ).pk
        for i in range(40)
    ]

    def work(index: int) -> None:
        # every thread runs every submission: duplicates must change nothing
        for pk in ids if index % 2 else list(reversed(ids)):
            intake.intake_process(submission_id=pk)

    run_threads(8, work)
    year = now.astimezone(timezone.get_current_timezone()).year
    numbers = sorted(RegisterEntry.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 41))
    cases = sorted(Case.objects.values_list("number", flat=True))
    assert cases == list(range(1, 41))
    assert set(Case.objects.values_list("sign", flat=True)) == {
        f"OR.1431.{n}.{year}" for n in range(1, 41)
    }
    assert Submission.objects.filter(stage=Stage.COMPLETED).count() == 40


def test_concurrent_double_submit_creates_one_submission(pki_dir, settings):
    ensure_profiles()
    ca_init()
    issuing = CertificateAuthority.objects.get(slug="sekap-issuing")
    seals.forget_cached_seals()
    setup = make_service()
    citizen = make_citizen(issuing, pesel=pesel(41))
    signed = citizen.sign(document_for(setup))
    results: list[int] = []

    def work(_index: int) -> None:
        submission = services.submission_accept(
            submitter=citizen.user,
            service=setup.service,
            signed_xml=signed,
            idempotency_key="click",
            channel="portal",
        )
        results.append(submission.pk)

    run_threads(6, work)
    assert len(set(results)) == 1 and len(results) == 6
    assert Submission.objects.count() == 1
