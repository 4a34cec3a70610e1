"""The appeal as a signed filing: the party's appeal is a document on the appeal form, signed
like any submission, registered in the office's RPW with a UPP, linked to the case, and
forwarded with the file list; a late one is left to the clerk; the decision is not final."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Appeal, Case, CaseEvent, Decision, LetterTemplate
from documents.services import case_take, reply_accept
from documents.services.delivery import delivery_record_collection
from documents.services.intake import intake_process
from documents.services.letters import (
    appeals_sweep,
    decision_approve,
    decision_dispatch,
    decision_draft,
    decision_sign,
    decision_submit,
    decisions_sweep,
    template_version_publish,
    template_version_save,
)
from documents.services.workflow import case_transition
from documents.tests.fixtures import SENDER, clerk_of, make_case
from documents.tests.test_decisions import TEMPLATE
from forms_platform import selectors as forms
from forms_platform.seeding import seed_files, seed_forms
from forms_platform.tests.factories import ADDRESSEE
from offices.models import Service
from offices.services import membership_grant
from sekap.accounts.tests.factories import StaffFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(setup, citizen, pki_dir):
    """A decision delivered to the citizen today (opened in the SEKAP inbox)."""
    seed_forms(only={"odwolanie"})
    appeal_service = Service.objects.create(
        office=setup.office,
        form_template=forms.current_version("odwolanie").template,
        department=setup.department,
        title="Odwołanie od decyzji",
        description="Odwołanie.",
        category="Sprawy ogólne",
        jrwa_symbol="0140",
        deadline_rule="7d",
        fee_kind="none",
    )
    case = make_case(setup, citizen.user, 1)
    clerk, head = clerk_of(setup), clerk_of(setup, role="head")
    signer = clerk_of(setup, role="signer")
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=setup.office, role="office_admin")
    template = LetterTemplate.objects.create(
        office=setup.office, name="Zezwolenie", kind="decision"
    )
    content = {**TEMPLATE, "ruling": "Orzekam o udzieleniu zezwolenia dla: {{ parties }}."}
    version = template_version_publish(
        version=template_version_save(template=template, actor=admin, content=content),
        actor=admin,
    )
    case = case_take(case=case, clerk=clerk)
    case = case_transition(case=case, transition="accept", actor=clerk)
    decision = decision_draft(case=case, template=version, actor=clerk)
    decision = decision_approve(
        decision=decision_submit(decision=decision, actor=clerk), actor=head
    )
    decision = decision_dispatch(
        decision=decision_sign(decision=decision, actor=signer), actor=clerk
    )
    (delivery,) = decision.letter.deliveries.all()
    delivery_record_collection(delivery=delivery, at=timezone.now(), by=citizen.user)
    decisions_sweep()
    decision.refresh_from_db()
    assert decision.status == "delivered"
    return decision, appeal_service


def _appeal_xml(setup_version, case, citizen, **data):
    sample = next(s for s in seed_files() if s["slug"] == "odwolanie")["sample_data"]
    payload = {
        **sample,
        "ZnakSprawy": case.sign,
        "ZakresZaskarzenia": "czesc",
        "ZaskarzonaCzesc": "Punkt 2 rozstrzygnięcia.",
        "Zadania": "Wnoszę o zmianę punktu 2.",
        "Uzasadnienie": "Organ pominął moje pismo.",
        **data,
    }
    xml = forms.build_document(
        version=setup_version,
        data=payload,
        sender=SENDER,
        addressee=ADDRESSEE,
        created=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC),
    )
    return citizen.sign(xml)


def _file(delivered, citizen, key="appeal-1", **data):
    decision, service = delivered
    return reply_accept(
        submitter=citizen.user,
        case=decision.case,
        signed_xml=_appeal_xml(forms.current_version("odwolanie"), decision.case, citizen, **data),
        idempotency_key=key,
        channel="portal",
        service=service,
    )


def test_a_signed_appeal_is_registered_receipted_and_forwarded_with_the_file(
    delivered, citizen, django_capture_on_commit_callbacks
):
    decision, _service = delivered
    filing = _file(delivered, citizen)
    assert filing.receipt.kind == "UPP"  # the UPP, as for any submission
    with django_capture_on_commit_callbacks(execute=True):
        intake_process(submission_id=filing.pk)
    filing.refresh_from_db()
    assert filing.case == decision.case and filing.register_entry.rpw  # an RPW number
    assert filing.signature_indication == "TOTAL_PASSED"
    appeal = Appeal.objects.get()
    assert appeal.submission == filing and appeal.sha256 == filing.sha256
    assert appeal.challenged.endswith("w części — Punkt 2 rozstrzygnięcia.")
    assert appeal.demands == "Wnoszę o zmianę punktu 2."
    assert appeal.grounds == "Organ pominął moje pismo."
    assert appeal.appeal_body == "Samorządowe Kolegium Odwoławcze w Katowicach"
    listed = {row["id"]: row["sha256"] for row in appeal.file_manifest}
    assert listed[str(filing.public_id)] == filing.sha256  # the appeal itself goes with the file
    assert listed[str(decision.letter.public_id)] == decision.letter.sha256
    case = Case.objects.get(pk=decision.case_id)
    assert case.status == "appealed"
    assert Decision.objects.get(pk=decision.pk).status == "appealed"
    filed = CaseEvent.objects.get(case=case, action="appeal_filed")
    assert filed.actor == citizen.user and filed.document_ref == str(filing.public_id)
    assert CaseEvent.objects.filter(case=case, action="appeal_forwarded").exists()
    audit = AuditEntry.objects.get(action="documents.appeal_filed")
    assert audit.after["rpw"] == filing.register_entry.rpw
    # never final after an appeal; registering again changes nothing
    later = timezone.now() + dt.timedelta(days=40)
    assert decisions_sweep(now=later)["final"] == 0
    assert appeals_sweep() == 0 and Appeal.objects.count() == 1


def test_a_late_appeal_is_registered_but_left_to_the_clerk(
    delivered, citizen, django_capture_on_commit_callbacks
):
    decision, _service = delivered
    decision.letter.deliveries.update(delivered_on=timezone.localdate() - dt.timedelta(days=20))
    filing = _file(delivered, citizen)
    with django_capture_on_commit_callbacks(execute=True):
        intake_process(submission_id=filing.pk)
    filing.refresh_from_db()
    assert filing.register_entry.rpw and not Appeal.objects.exists()
    note = CaseEvent.objects.get(case=decision.case, action="attention")
    assert note.params["reason"] == "appeal_late"
    assert Case.objects.get(pk=decision.case_id).status == "delivered"


def test_a_lost_dispatch_is_picked_up_by_the_sweep_and_holds_finality(delivered, citizen):
    _decision, _service = delivered
    filing = _file(delivered, citizen)
    intake_process(submission_id=filing.pk)  # its on-commit step never runs
    assert not Appeal.objects.exists()
    after_the_term = timezone.now() + dt.timedelta(days=40)
    assert decisions_sweep(now=after_the_term)["final"] == 0  # filed in time: not final
    assert appeals_sweep() == 1
    assert Appeal.objects.get().submission == filing


def test_the_portal_starts_the_appeal_form_from_the_case_page_only(delivered, citizen, client):
    decision, service = delivered
    client.force_login(citizen.user)
    page = client.get(f"/sprawy/{decision.case_id}/").content.decode()
    assert 'id="appeal"' in page and 'name="text"' not in page  # no free text any more
    started = client.post(f"/sprawy/{decision.case_id}/odwolanie/")
    assert started.status_code == 302 and "/wnioski/robocze/" in started["Location"]
    from portal.models import Draft

    draft = Draft.objects.get(owner=citizen.user)
    assert draft.case_id_ref == decision.case_id and draft.service == service
    assert draft.data["ZnakSprawy"] == decision.case.sign
    # the catalogue does not start an appeal outside its case
    refused = client.post(f"/uslugi/{service.pk}/rozpocznij/")
    assert refused.status_code == 302 and Draft.objects.count() == 1
