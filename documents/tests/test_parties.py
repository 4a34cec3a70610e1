"""Correspondents and case parties: identifiers checked, reuse, the party rule of visibility."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest
from django.apps import apps as django_apps

from documents import selectors
from documents.errors import CaseActionRefused, CorrespondentInvalid
from documents.models import CaseEvent, CaseParty, Correspondent, RegisterEntry
from documents.selectors.register import correspondent_search
from documents.services.register import (
    CorrespondentDetails,
    case_party_add,
    correspondent_find_or_create,
)
from documents.tests.fixtures import make_service, pesel
from documents.tests.test_backoffice import clerk_of, make_case
from sekap.accounts.tests.factories import UserFactory
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

PERSON = CorrespondentDetails(first_name="Zofia", last_name="Łęcka", city="Gliwice")


def test_identifiers_are_checked_and_compacted(setup):
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    with pytest.raises(CorrespondentInvalid) as bad:
        correspondent_find_or_create(
            office=setup.office,
            details=CorrespondentDetails(last_name="X", pesel="44051401358"),
            actor=clerk,
        )
    assert bad.value.code == "correspondent.pesel"
    with pytest.raises(CorrespondentInvalid) as bad_ade:
        correspondent_find_or_create(
            office=setup.office,
            details=CorrespondentDetails(last_name="X", ade="AE:PL-1"),
            actor=clerk,
        )
    assert bad_ade.value.code == "correspondent.ade"
    firm = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(
            kind="organisation", name="Huta Sp. z o.o.", nip="PL 526-000-12-46"
        ),
        actor=clerk,
    )
    assert firm.nip == "5260001246"
    assert Correspondent.objects.count() == 1


def test_reused_by_pesel_and_completed_never_overwritten(setup):
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    first = correspondent_find_or_create(
        office=setup.office,
        details=replace(PERSON, pesel=pesel(1)),
        actor=clerk,
    )
    again = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(last_name="Inna", pesel=pesel(1), street="Długa 1"),
        actor=clerk,
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.last_name, again.street) == ("Łęcka", "Długa 1")
    actions = AuditEntry.objects.filter(action__startswith="documents.correspondent")
    assert sorted(actions.values_list("action", flat=True)) == [
        "documents.correspondent_completed",
        "documents.correspondent_created",
    ]
    # another office keeps its own register: a new row there
    other = make_service(symbol="OR")
    there = correspondent_find_or_create(
        office=other.office,
        details=CorrespondentDetails(last_name="Łęcka", pesel=pesel(1)),
        actor=None,
    )
    assert there.pk != first.pk


def test_search_as_you_type_ignores_diacritics_and_other_offices(setup):
    clerk = clerk_of(setup, role="registry_clerk", department=False)
    mine = correspondent_find_or_create(office=setup.office, details=PERSON, actor=clerk)
    other = make_service(symbol="OR")
    correspondent_find_or_create(office=other.office, details=PERSON, actor=None)
    assert correspondent_search(office=setup.office, q="lecka gliw") == [mine]
    assert correspondent_search(office=setup.office, q="ŁĘC") == [mine]
    assert correspondent_search(office=setup.office, q="nowak") == []
    assert correspondent_search(office=setup.office, q="  ") == []


def test_party_added_with_history_and_audit_refused_across_offices(setup):
    applicant = UserFactory()
    case = make_case(setup, applicant, 1)
    clerk = clerk_of(setup)
    zofia = correspondent_find_or_create(office=setup.office, details=PERSON, actor=clerk)
    party = case_party_add(case=case, correspondent=zofia, role="party", actor=clerk)
    assert case_party_add(case=case, correspondent=zofia, role="party", actor=clerk) == party
    event = CaseEvent.objects.filter(case=case, action="party_added").get()
    assert event.description == "Do sprawy dodano: Zofia Łęcka (strona)."
    assert AuditEntry.objects.filter(action="documents.party_added").count() == 1
    other = make_service(symbol="OR")
    stranger = correspondent_find_or_create(office=other.office, details=PERSON, actor=None)
    with pytest.raises(CaseActionRefused):
        case_party_add(case=case, correspondent=stranger, role="party", actor=clerk)
    with pytest.raises(CaseActionRefused):  # a representative must say whom they represent
        case_party_add(case=case, correspondent=zofia, role="representative", actor=clerk)
    assert CaseParty.objects.filter(case=case).count() == 2  # the applicant and Zofia


def test_citizen_sees_a_case_as_a_party_with_an_account_only(setup):
    applicant, lawyer, stranger = UserFactory(), UserFactory(), UserFactory()
    case = make_case(setup, applicant, 1)
    entry = RegisterEntry.objects.get(case=case)
    assert entry.channel == "api" and entry.correspondent.account == applicant
    assert list(selectors.cases_for(applicant)) == [case]
    assert list(selectors.cases_for(stranger)) == []
    assert selectors.case_for(user=lawyer, pk_or_sign=case.sign) is None
    applicant_party = CaseParty.objects.get(case=case, role="applicant")
    counsel = correspondent_find_or_create(
        office=setup.office,
        details=CorrespondentDetails(first_name="Adam", last_name="Prawnik"),
        actor=None,
        account=lawyer,
    )
    case_party_add(
        case=case,
        correspondent=counsel,
        role="representative",
        represents=applicant_party,
        actor=None,
    )
    assert selectors.case_for(user=lawyer, pk_or_sign=case.sign) == case
    # the applicant column alone no longer opens a case: the party does
    CaseParty.objects.filter(case=case, role="applicant").update(role="participant")
    assert list(selectors.cases_for(applicant)) == [case]
    CaseParty.objects.filter(case=case, role="representative").delete()
    CaseParty.objects.filter(case=case, correspondent__account=applicant).delete()
    assert list(selectors.cases_for(applicant)) == []


def test_portal_case_page_refuses_a_non_party(client, setup):
    applicant, stranger = UserFactory(), UserFactory()
    case = make_case(setup, applicant, 1)
    client.force_login(stranger)
    assert client.get(f"/sprawy/{case.pk}/").status_code == 404
    client.force_login(applicant)
    assert client.get(f"/sprawy/{case.pk}/").status_code == 200


def test_data_migration_makes_applicants_parties(setup):
    applicant = UserFactory()
    case = make_case(setup, applicant, 1)
    CaseParty.objects.all().delete()
    RegisterEntry.objects.update(correspondent=None, case=None, channel="esp")
    Correspondent.objects.all().delete()
    migration = importlib.import_module("documents.migrations.0012_parties_from_applicants")
    migration.forwards(django_apps, None)
    party = CaseParty.objects.get(case=case)
    assert (party.role, party.correspondent.account, party.served_via_platform) == (
        "applicant",
        applicant,
        True,
    )
    entry = RegisterEntry.objects.get()
    assert (entry.channel, entry.case, entry.correspondent) == ("api", case, party.correspondent)
