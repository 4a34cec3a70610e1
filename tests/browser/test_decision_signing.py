"""The authorised official signs a decision with their own SEKAP certificate in Chromium
(issue 12 item 5), every page checked by axe:

the official makes the key of their clerk certificate in the browser on the staff enrolment
page (certauth's enrol.js, WebCrypto + IndexedDB), an operator of the office approves the
request; the office does not allow its seal on decisions; on the decision's "to sign" step the
browser signs the prepared decision XML with that key, the server validates it and stores it;
the clerk picks the parties and dispatches it. The letter form offers the party picker.
"""

from __future__ import annotations

from documents.models import Decision, Delivery, LetterTemplate
from documents.services.letters import (
    decision_approve,
    decision_draft,
    decision_submit,
    template_version_publish,
    template_version_save,
)
from documents.services.workflow import case_transition
from offices.models import StaffRole
from offices.services import membership_grant
from portal.tests.fixtures import (  # noqa: F401
    ca,
    cert_profiles,
    intake,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.tests.factories import StaffFactory, VerifiedCitizenFactory
from signatures import services as signatures
from tests.browser.test_case_handling import _filed_case, _staff, _staff_login

CONTENT = {
    "title": "Decyzja w sprawie {{ case.sign }}",
    "legal_basis": "art. 104 i art. 217 KPA",
    "ruling": "Orzekam o wydaniu zaświadczenia dla: {{ parties }}.",
    "reasons": "Wniosek spełnia wymagania.",
    "appeal_body": "Samorządowe Kolegium Odwoławcze w Katowicach",
    "seal_allowed": True,
}


def test_the_official_signs_the_decision_in_the_browser_and_dispatches_it(
    a11y_page,
    live_server,
    live_trust,  # noqa: F811
    settings,
):
    from certauth.models import CertificateRequest
    from certauth.services.enrolment import request_approve

    # the project's registration-authority policy (certauth's fixtures use the generic one)
    settings.CERTAUTH_RA_POLICY = "offices.pki.OfficesRaPolicy"

    catalogue = load_catalogue()
    citizen = VerifiedCitizenFactory(
        email="strona@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    case = _filed_case(citizen, catalogue.service)
    office = case.office
    office.decision_seal_allowed = False  # decisions bear the official's own signature only
    office.save(update_fields=["decision_seal_allowed"])
    clerk = _staff(
        case,
        first="Urszula",
        last="Referentka",
        roles={StaffRole.CLERK: "inspektor", StaffRole.SIGNER: "kierownik referatu"},
    )
    head = _staff(case, first="Henryk", last="Naczelny", roles={StaffRole.HEAD: "naczelnik"})
    operator = StaffFactory()
    membership_grant(actor=None, user=operator, office=office, role=StaffRole.CA_OPERATOR)
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=office, role="office_admin")
    template = LetterTemplate.objects.create(office=office, name="Zaświadczenie", kind="decision")
    version = template_version_publish(
        version=template_version_save(template=template, actor=admin, content=CONTENT),
        actor=admin,
    )

    # 1. the official makes the key in this browser and requests their clerk certificate
    page = a11y_page
    _staff_login(page, clerk)
    page.goto("/backoffice/pki/nowy/")
    page.locator("#browser-key").wait_for(state="visible")
    page.check()
    page.follow(page.get_by_role("button", name="Utwórz klucz i wyślij wniosek"))
    request = CertificateRequest.objects.get(requester=clerk)
    assert (request.origin, request.profile.slug, request.office_terc) == (
        "browser",
        "clerk-signing",
        office.terc,
    )
    certificate = request_approve(request=request, actor=operator)  # at the counter

    # 2. the clerk's letter form lets them pick the parties (all ticked)
    page.goto(f"/backoffice/sprawy/{case.pk}/")
    page.follow(page.get_by_role("button", name="Przejmij sprawę"))
    case_transition(case=case, transition="accept", actor=clerk)
    page.goto(f"/backoffice/sprawy/{case.pk}/")
    picker = page.locator("fieldset#id_recipients")
    assert picker.locator("legend").inner_text().startswith("Wyślij do")
    assert (
        picker.locator("input[type=checkbox]:checked").count()
        == picker.locator("input[type=checkbox]").count()
        >= 1
    )

    # 3. drafted, passed and approved (the services the decision page's buttons call)
    decision = decision_draft(case=case, template=version, actor=clerk)
    decision = decision_submit(decision=decision, actor=clerk)
    decision_approve(decision=decision, actor=head)

    # 4. the official signs in the browser with the enrolled key; no seal is offered
    page.goto(f"/backoffice/sprawy/{case.pk}/decyzja/")
    section = page.locator("#browser-sign")
    section.wait_for(state="visible")
    page.check()
    assert page.get_by_role("button", name="Podpisz pieczęcią urzędu").count() == 0
    assert page.get_by_role("link", name="Pobierz decyzję do podpisu (XML)").count() == 0
    page.follow(section.get_by_role("button", name="Podpisz moim certyfikatem w tej przeglądarce"))
    decision = Decision.objects.get(pk=decision.pk)
    assert (decision.status, decision.signature_kind) == ("signed", "personal")
    assert decision.signer_certificate_id == certificate.pk
    assert decision.signer_position == "kierownik referatu"
    report = signatures.validate(bytes(decision.letter.xml))
    assert report.indication == "TOTAL_PASSED", report.signatures[0].errors
    assert report.signatures[0].signed_by.surname == "Referentka"
    assert "Kierownik referatu".lower() in page.content().lower()

    # 5. the clerk sends it to the parties chosen (all, by default)
    dispatch = page.locator("form[action$='/decyzja/dispatch/']")
    assert dispatch.locator("fieldset legend").inner_text().startswith("Wyślij decyzję do")
    page.follow(dispatch.get_by_role("button", name="Wyślij stronom"))
    decision.refresh_from_db()
    assert decision.status == "dispatched"
    assert Delivery.objects.filter(letter=decision.letter).count() >= 1
