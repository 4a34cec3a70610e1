"""The office admin's workflow pages (diagram, draft, publish, refusals) and the decision and
appeal pages over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Case, Decision, LetterTemplate, WorkflowVersion
from documents.services import case_take
from documents.services.delivery import delivery_record_collection
from documents.services.letters import template_version_publish, template_version_save
from documents.services.workflow import (
    case_transition,
    definition_to_text,
    version_current,
    version_definition,
)
from documents.tests.fixtures import clerk_of, make_case, make_service
from documents.tests.test_decisions import TEMPLATE
from offices.services import membership_grant
from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor

pytestmark = pytest.mark.django_db


def _admin(setup):
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=setup.office, role="office_admin")
    return admin


def _client(user) -> Client:
    client = Client()
    login_with_second_factor(client, user)
    return client


@pytest.fixture
def office(db, pki_dir):
    return make_service(symbol="OR")


def _form(definition, **changes):
    data = {
        "steps": definition_to_text(definition),
        "stopped": [c for c, s in definition.states.items() if not s.clock and not s.terminal],
        "final": [c for c, s in definition.states.items() if s.terminal],
    }
    data.update(changes)
    return data


def test_the_admin_sees_the_diagram_saves_a_draft_and_publishes(office):
    admin = _admin(office)
    client = _client(admin)
    url = f"/backoffice/obiegi/{office.service.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<code>approve</code>" in html
    assert "<tspan" in html and "akceptację" in html  # the state "decyzja czeka na akceptację"
    default = version_definition(version_current(service=office.service))

    bad = client.post(url, _form(default, steps="take: open -> nowhere [clerk]"))
    assert bad.status_code == 400
    assert "„nowhere” nie jest znanym stanem." in bad.content.decode()
    assert not WorkflowVersion.objects.filter(workflow__service=office.service).exists()

    text = definition_to_text(default).replace(
        "take: open -> formal_check [clerk]", "take: open -> formal_check [clerk, registry]"
    )
    assert client.post(url, _form(default, steps=text)).status_code == 302
    draft = WorkflowVersion.objects.get(workflow__service=office.service)
    assert draft.status == "draft" and draft.number == 1
    assert version_current(service=office.service).workflow.name == "default"

    assert client.post(f"{url}publikuj/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"
    assert version_current(service=office.service) == draft
    case = make_case(office, UserFactory(), 1)
    assert case.workflow_version == draft
    registry = clerk_of(office, role="registry_clerk", department=False)
    assert case_transition(case=case, transition="take", actor=registry).status == "formal_check"


def test_other_offices_admins_and_clerks_are_refused(office):
    other = make_service(symbol="OR")
    url = f"/backoffice/obiegi/{office.service.pk}/"
    for user in (_admin(other), clerk_of(office), clerk_of(office, role="head")):
        client = _client(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"steps": "x", "final": ["final"]}).status_code == 404
        assert client.post(f"{url}publikuj/").status_code == 404
    assert not WorkflowVersion.objects.filter(workflow__service=office.service).exists()


def test_the_workflow_list_has_a_pinned_query_count(office, django_assert_max_num_queries):
    """The list costs the same few queries for one service or many."""
    admin = _admin(office)
    client = _client(admin)
    client.get("/backoffice/obiegi/")  # warm the per-process caches (content types)
    with CaptureQueriesContext(connection) as one:
        client.get("/backoffice/obiegi/")
    assert len(one) <= 11
    for n in range(3):
        make_service(office=office.office, symbol=f"S{n}", slug=f"wniosek-{n}")
    with django_assert_max_num_queries(len(one)):
        response = client.get("/backoffice/obiegi/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/backoffice/obiegi/') >= 4


@pytest.fixture
def decision_case(office):
    applicant = UserFactory(first_name="Anna", last_name="Nowak")
    case = make_case(office, applicant, 1)
    clerk = clerk_of(office)
    admin = _admin(office)
    template = LetterTemplate.objects.create(office=office.office, name="Z", kind="decision")
    content = {**TEMPLATE, "ruling": "Zezwalam: {{ parties }}."}
    template_version_publish(
        version=template_version_save(template=template, actor=admin, content=content),
        actor=admin,
    )
    case = case_take(case=case, clerk=clerk)
    case = case_transition(case=case, transition="accept", actor=clerk)
    return case, clerk, applicant


def test_the_decision_pages_walk_draft_to_dispatch_with_roles(office, decision_case):
    case, clerk, _applicant = decision_case
    head, signer = clerk_of(office, role="head"), clerk_of(office, role="signer")
    base = f"/backoffice/sprawy/{case.pk}/decyzja/"
    as_clerk, as_head, as_signer = _client(clerk), _client(head), _client(signer)
    template_id = LetterTemplate.objects.get().versions.get().pk
    assert as_clerk.post(f"{base}start/", {"template": template_id}).status_code == 302
    page = as_clerk.get(base).content.decode()
    assert "Zezwalam: Anna Nowak." in page
    edit = {
        "title": "Decyzja",
        "legal_basis": "art. 104 KPA",
        "ruling": "Zezwalam.",
        "reasons": "Bo tak.",
        "appeal_body": "SKO w Katowicach",
    }
    assert as_clerk.post(f"{base}save/", edit).status_code == 302
    assert as_clerk.post(f"{base}submit/").status_code == 302
    as_clerk.post(f"{base}approve/")  # refused: not the head
    assert Decision.objects.get().status == "approval"
    assert as_head.post(f"{base}approve/").status_code == 302
    as_head.post(f"{base}sign/")  # refused: not authorised to sign
    assert Decision.objects.get().status == "approved"
    assert as_signer.post(f"{base}sign/").status_code == 302
    # the party picker: nobody ticked is refused and nothing is sent; all parties by default
    assert as_clerk.post(f"{base}dispatch/").status_code == 400
    every = [str(p.pk) for p in case.parties.all()]
    assert as_clerk.post(f"{base}dispatch/", {"recipients": every}).status_code == 302
    decision = Decision.objects.get()
    assert decision.status == "dispatched" and decision.ruling == "Zezwalam."
    assert as_clerk.get(f"/backoffice/sprawy/{case.pk}/decyzja.xml").status_code == 200
    outsider = _client(clerk_of(make_service(symbol="OR")))
    assert outsider.get(base).status_code == 404
    assert outsider.post(f"{base}approve/").status_code == 404


def test_the_party_appeals_from_the_portal_case_page(office, decision_case, client):
    case, clerk, applicant = decision_case
    from documents.services.letters import (
        decision_approve,
        decision_dispatch,
        decision_draft,
        decision_sign,
        decision_submit,
    )

    decision = decision_draft(
        case=case, template=LetterTemplate.objects.get().versions.get(), actor=clerk
    )
    decision = decision_submit(decision=decision, actor=clerk)
    decision = decision_approve(decision=decision, actor=clerk_of(office, role="head"))
    decision = decision_sign(decision=decision, actor=clerk_of(office, role="signer"))
    decision = decision_dispatch(decision=decision, actor=clerk)
    client.force_login(applicant)
    page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert 'id="appeal"' not in page  # not delivered yet
    (delivery,) = decision.letter.deliveries.all()
    delivery_record_collection(
        delivery=delivery, at=timezone.now() - dt.timedelta(days=1), by=applicant
    )
    page = client.get(f"/sprawy/{case.pk}/").content.decode()
    assert 'id="appeal"' in page
    stranger = Client()
    stranger.force_login(UserFactory())
    assert stranger.post(f"/sprawy/{case.pk}/odwolanie/").status_code == 404
    # The appeal itself is a signed filing on the appeal form (documents/tests/test_appeals.py):
    # the button only starts it, and nothing changes on the case until it is sent.
    assert client.post(f"/sprawy/{case.pk}/odwolanie/").status_code == 302
    assert Case.objects.get(pk=case.pk).status != "appealed"
