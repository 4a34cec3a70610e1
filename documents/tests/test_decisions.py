"""Decisions and appeals: templates with safe fields, draft -> approval -> signature ->
dispatch -> delivery -> final after the appeal period; refusals without the role; appeals."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from documents.errors import DecisionRefused, TemplateInvalid, TransitionRoleRequired
from documents.models import (
    Case,
    CaseEvent,
    Decision,
    InboxMessage,
    LetterTemplate,
)
from documents.services import case_take
from documents.services.delivery import delivery_record_collection
from documents.services.letters import (
    decision_approve,
    decision_dispatch,
    decision_draft,
    decision_render_pdf,
    decision_return,
    decision_sign,
    decision_submit,
    decisions_sweep,
    template_version_publish,
    template_version_save,
)
from documents.services.workflow import case_transition
from documents.tests.fixtures import clerk_of, make_case, make_service
from offices.services import membership_grant
from sekap.accounts.tests.factories import StaffFactory, UserFactory
from sekap.audit.models import AuditEntry
from sekap.errors import NotAllowed
from signatures import services as signatures

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "title": "Decyzja w sprawie {{ case.sign }}",
    "legal_basis": "art. 104 KPA",
    "ruling": "Zezwolenie dla: {{ parties }}. {{ user.password }}",
    "reasons": "Wniosek z dnia {{ case.started_on }} spełnia wymagania.",
    "appeal_body": "Samorządowe Kolegium Odwoławcze w Katowicach",
    "seal_allowed": True,
}


@pytest.fixture
def flow(db, pki_dir):
    setup = make_service(symbol="OR")
    applicant = UserFactory(first_name="Anna", last_name="Nowak")
    case = make_case(setup, applicant, 1)
    clerk = clerk_of(setup)
    head = clerk_of(setup, role="head")
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

    class Flow:
        pass

    f = Flow()
    f.__dict__.update(
        setup=setup, applicant=applicant, case=case, clerk=clerk, head=head, signer=signer,
        admin=admin, template=template, version=version,
    )  # fmt: skip
    return f


def test_template_fields_are_substituted_never_executed(flow):
    with pytest.raises(TemplateInvalid):
        template_version_save(template=flow.template, actor=flow.admin, content=TEMPLATE)
    decision = decision_draft(case=flow.case, template=flow.version, actor=flow.clerk)
    assert decision.title == f"Decyzja w sprawie {flow.case.sign}"
    assert decision.ruling == "Orzekam o udzieleniu zezwolenia dla: Anna Nowak."
    assert decision.organ and decision.appeal_days == 14
    assert Case.objects.get(pk=flow.case.pk).status == "drafting"


def test_template_text_with_template_tags_stays_literal(flow):
    content = {**TEMPLATE, "ruling": "{% now 'Y' %} dla {{ parties }} {{ case.sign|upper }}"}
    draft = template_version_save(template=flow.template, actor=flow.admin, content=content)
    draft = template_version_publish(version=draft, actor=flow.admin)
    decision = decision_draft(case=flow.case, template=draft, actor=flow.clerk)
    assert decision.ruling == "{% now 'Y' %} dla Anna Nowak {{ case.sign|upper }}"


def test_templates_are_the_office_admins_own(flow):
    other_admin = StaffFactory()
    other = make_service(symbol="OR")
    membership_grant(actor=None, user=other_admin, office=other.office, role="office_admin")
    with pytest.raises(NotAllowed):
        template_version_save(template=flow.template, actor=other_admin, content={"title": "X"})
    with pytest.raises(NotAllowed):
        template_version_save(template=flow.template, actor=flow.clerk, content={"title": "X"})


def _to_signature(flow):
    decision = decision_draft(case=flow.case, template=flow.version, actor=flow.clerk)
    decision = decision_submit(decision=decision, actor=flow.clerk)
    return decision_approve(decision=decision, actor=flow.head)


def test_only_the_head_approves_and_only_the_signer_signs(flow):
    decision = decision_draft(case=flow.case, template=flow.version, actor=flow.clerk)
    decision = decision_submit(decision=decision, actor=flow.clerk)
    for intruder in (flow.clerk, flow.signer, flow.applicant):
        with pytest.raises(TransitionRoleRequired):
            decision_approve(decision=decision, actor=intruder)
        decision.refresh_from_db()
        assert decision.status == "approval" and decision.approved_by is None
    decision = decision_approve(decision=decision, actor=flow.head)
    for intruder in (flow.clerk, flow.head):
        with pytest.raises(TransitionRoleRequired):
            decision_sign(decision=decision, actor=intruder)
        decision.refresh_from_db()
        assert decision.status == "approved" and decision.letter_id is None
    assert Case.objects.get(pk=flow.case.pk).status == "signature"


def test_the_head_returns_the_draft_with_a_reason(flow):
    decision = decision_draft(case=flow.case, template=flow.version, actor=flow.clerk)
    decision = decision_submit(decision=decision, actor=flow.clerk)
    with pytest.raises(DecisionRefused):
        decision_return(decision=decision, actor=flow.head, reason=" ")
    decision = decision_return(decision=decision, actor=flow.head, reason="Popraw podstawę.")
    assert decision.status == "draft"
    case = Case.objects.get(pk=flow.case.pk)
    assert case.status == "drafting"
    assert CaseEvent.objects.filter(case=case, action="status").last().params["reason"] == (
        "Popraw podstawę."
    )


def test_sign_needs_the_office_to_allow_its_seal(flow):
    decision = _to_signature(flow)
    Decision.objects.filter(pk=decision.pk).update(seal_allowed=False)
    with pytest.raises(DecisionRefused):
        decision_sign(decision=decision, actor=flow.signer)
    assert Case.objects.get(pk=flow.case.pk).status == "signature"


def test_the_whole_flow_to_final_after_the_appeal_period(flow):
    decision = _to_signature(flow)
    signed_at = timezone.now()
    decision = decision_sign(decision=decision, actor=flow.signer, now=signed_at)
    letter = decision.letter
    xml = bytes(letter.xml)
    assert letter.sha256 == hashlib.sha256(xml).hexdigest()
    assert signatures.validate(xml).indication == "TOTAL_PASSED"
    for element in (b"<d:Organ>", b"<d:PodstawaPrawna>", b"<d:Rozstrzygniecie>",
                    b"<d:Uzasadnienie>", b"<d:OrganOdwolawczy>Samorz", b"<d:TerminDni>14",
                    b"<d:ImieNazwisko>", b"<d:Stanowisko>", b"<d:Strony>"):  # fmt: skip
        assert element in xml, element
    assert decision_render_pdf(decision_id=decision.pk) is True
    assert decision_render_pdf(decision_id=decision.pk) is False  # stored once
    decision.refresh_from_db()
    pdf = bytes(decision.pdf)
    assert pdf.startswith(b"%PDF") and decision.pdf_sha256 == hashlib.sha256(pdf).hexdigest()

    with pytest.raises(TransitionRoleRequired):
        decision_dispatch(decision=decision, actor=flow.head)
    decision = decision_dispatch(decision=decision, actor=flow.clerk)
    assert Case.objects.get(pk=flow.case.pk).status == "sent"
    assert decisions_sweep()["delivered"] == 0  # not opened yet

    # the applicant opens it on a Monday; 14 days end on a Monday (art. 57)
    assert InboxMessage.objects.filter(letter=letter, recipient=flow.applicant).exists()
    opened = timezone.make_aware(dt.datetime(2026, 12, 7, 10, 0))
    _collect(letter, opened, flow.applicant)
    assert decisions_sweep(now=opened)["delivered"] == 1
    decision.refresh_from_db()
    assert decision.delivered_on == dt.date(2026, 12, 7)
    assert decision.appeal_until == dt.date(2026, 12, 21)
    assert Case.objects.get(pk=flow.case.pk).status == "delivered"

    last_moment = timezone.make_aware(dt.datetime(2026, 12, 21, 23, 59))
    assert decisions_sweep(now=last_moment)["final"] == 0
    first_moment = timezone.make_aware(dt.datetime(2026, 12, 22, 0, 0))
    assert decisions_sweep(now=first_moment)["final"] == 1
    assert decisions_sweep(now=first_moment)["final"] == 0  # idempotent
    case = Case.objects.get(pk=flow.case.pk)
    decision.refresh_from_db()
    assert case.status == "final" and case.closed_at == first_moment
    assert case.closure.result == "decided" and case.closure.archival_category
    assert decision.status == "final" and decision.final_at == first_moment
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    for action in ("decision_drafted", "decision_approved", "decision_signed",
                   "decision_dispatched", "decision_delivered", "decision_final"):  # fmt: skip
        assert action in actions
    assert AuditEntry.objects.filter(action="documents.decision_final").count() == 1


def _collect(letter, at, user):
    """The applicant opens the letter in the SEKAP inbox at ``at`` (the platform rule)."""
    (delivery,) = letter.deliveries.all()
    delivery_record_collection(delivery=delivery, at=at, by=user)


def _delivered(flow, opened):
    decision = decision_sign(decision=_to_signature(flow), actor=flow.signer)
    decision = decision_dispatch(decision=decision, actor=flow.clerk)
    _collect(decision.letter, opened, flow.applicant)
    decisions_sweep(now=opened)
    decision.refresh_from_db()
    return decision


# Appeals (signed filings on the appeal form): documents/tests/test_appeals.py


def test_a_decision_names_every_party_goes_to_each_and_is_final_after_the_last_term(flow):
    """KPA art. 107 § 1 (the parties), art. 129 § 2 (each party's term from its own delivery)
    and art. 16 § 1 (final once no party may appeal any more)."""
    from documents.services.letters import appeal_open
    from documents.services.register.correspondents import correspondent_for_account
    from documents.services.register.parties import party_create

    neighbour = UserFactory(first_name="Piotr", last_name="Zieliński")
    party_create(
        case=flow.case,
        correspondent=correspondent_for_account(office=flow.setup.office, user=neighbour),
        role="party",
        served_via_platform=True,
    )
    decision = decision_sign(decision=_to_signature(flow), actor=flow.signer)
    names = {p["name"]: p["role"] for p in decision.parties}
    assert names == {"Anna Nowak": "wnioskodawca", "Piotr Zieliński": "strona"}
    xml = bytes(decision.letter.xml).decode()
    assert "<d:Nazwa>Anna Nowak</d:Nazwa>" in xml and "<d:Nazwa>Piotr Zieliński</d:Nazwa>" in xml
    assert "Piotr Zieliński (strona)" in decision.letter.body
    decision = decision_dispatch(decision=decision, actor=flow.clerk)
    deliveries = {d.recipient_id: d for d in decision.letter.deliveries.all()}
    assert set(deliveries) == {flow.applicant.pk, neighbour.pk}  # one delivery per party

    first = timezone.make_aware(dt.datetime(2026, 12, 7, 10, 0))
    second = timezone.make_aware(dt.datetime(2026, 12, 14, 10, 0))
    delivery_record_collection(delivery=deliveries[flow.applicant.pk], at=first, by=flow.applicant)
    decisions_sweep(now=first)
    decision.refresh_from_db()
    assert decision.status == "dispatched"  # one party has not received it yet
    delivery_record_collection(delivery=deliveries[neighbour.pk], at=second, by=neighbour)
    decisions_sweep(now=second)
    decision.refresh_from_db()
    assert decision.status == "delivered"
    assert decision.delivered_on == dt.date(2026, 12, 14)
    assert decision.appeal_until == dt.date(2026, 12, 28)  # the last party's 14 days
    # each party's own term: the applicant's ended on 21 Dec, the neighbour's runs on
    day = dt.date(2026, 12, 23)
    assert not appeal_open(decision=decision, today=day, party=flow.applicant)
    assert appeal_open(decision=decision, today=day, party=neighbour)
    assert decisions_sweep(now=timezone.make_aware(dt.datetime(2026, 12, 28, 23, 59)))["final"] == 0
    assert decisions_sweep(now=timezone.make_aware(dt.datetime(2026, 12, 29, 0, 0)))["final"] == 1
    assert Case.objects.get(pk=flow.case.pk).status == "final"
