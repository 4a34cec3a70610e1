"""Case handling end to end in Chromium (issue 12, "Done when"), every page checked by axe:

a clerk takes an electronic case and calls for a supplement (the clock stops); the citizen
opens the call and supplements in the portal (the clock restarts); the clerk drafts the
decision from the office's template, the head approves it, the clerk (authorised to sign)
seals and dispatches it; the citizen opens it; the appeal period passes (the beat sweep is
driven with a ``now`` after it) and the case is final; the metryka lists every step with the
people, their positions and times. A second case ends "left unexamined".
"""

from __future__ import annotations

import datetime as dt
import re
import time

from django.utils import timezone

from documents.models import Case, CaseEvent, Decision, LetterTemplate, SupplementCall
from documents.selectors import delivery_date
from documents.services import deadlines as clock
from documents.services.delivery import delivery_record_collection
from documents.services.letters import (
    decisions_sweep,
    template_version_publish,
    template_version_save,
)
from offices.models import StaffMembership, StaffRole
from offices.services import membership_grant
from portal.services import drafts
from portal.tests.fixtures import (  # noqa: F401
    ca,
    cert_profiles,
    intake,
    live_trust,
    load_catalogue,
    pki_dir,
    sekap_trust,
)
from sekap.accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    VerifiedCitizenFactory,
    add_totp_device,
    current_code,
)
from tests.browser.conftest import A11yPage
from tests.browser.test_portal_pages import filled_draft, log_in

SUBMIT_STEP = "Zapisz i przejdź dalej"


def _filed_case(user, service) -> Case:
    draft = drafts.draft_prepare(draft=filled_draft(user, service), user=user)
    draft = drafts.draft_sign_trusted_profile(draft=draft, user=user)
    submission = drafts.draft_submit(
        draft=draft, user=user, idempotency_key=str(draft.idempotency_key)
    )
    intake(submission)
    return Case.objects.get(submissions=submission)


def _staff(case, *, first: str, last: str, roles: dict[str, str]):
    user = StaffFactory(first_name=first, last_name=last)
    for role, position in roles.items():
        StaffMembership.objects.create(
            user=user,
            office=case.office,
            department=case.department,
            role=role,
            position=position,
        )
    return user


def _page(browser, live_server) -> A11yPage:
    context = browser.new_context(locale="pl-PL", timezone_id="Europe/Warsaw")
    context.set_default_timeout(15_000)
    return A11yPage(context.new_page(), live_server.url)


def _staff_login(page: A11yPage, user) -> None:
    device = add_totp_device(user)
    page.goto("/konto/logowanie/")
    page.get_by_label("Adres e-mail").fill(user.email)
    page.get_by_label("Hasło").fill(DEFAULT_PASSWORD)
    page.follow(page.get_by_role("button", name="Zaloguj się"))
    page.get_by_label("Sześciocyfrowy kod z aplikacji uwierzytelniającej").fill(
        current_code(device)
    )
    page.follow(page.get_by_role("button", name="Potwierdź"))


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def _call_for_supplement(page: A11yPage, case: Case) -> None:
    page.goto(f"/backoffice/sprawy/{case.pk}/terminy/")
    page.fill("[name=call-title]", "Wezwanie do uzupełnienia")
    page.fill("[name=call-body]", "Proszę podać numer działki.")
    page.fill("[name=call-days]", "7")
    page.follow(page.locator("form[action$='/terminy/call/'] button[type=submit]"))


def test_a_case_from_supplement_to_final_and_a_case_left_unexamined(
    a11y_page,
    live_server,
    browser,
    live_trust,  # noqa: F811
):
    catalogue = load_catalogue()
    citizen = VerifiedCitizenFactory(
        email="strona@example.test", first_name="Jan", last_name="Kowalski", pesel="44051401359"
    )
    case = _filed_case(citizen, catalogue.service)
    second = _filed_case(citizen, catalogue.service)
    clerk = _staff(
        case,
        first="Urszula",
        last="Referentka",
        roles={StaffRole.CLERK: "inspektor", StaffRole.SIGNER: "inspektor"},
    )
    head = _staff(case, first="Henryk", last="Naczelny", roles={StaffRole.HEAD: "naczelnik"})
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=case.office, role="office_admin")
    template = LetterTemplate.objects.create(
        office=case.office, name="Zaświadczenie", kind="decision"
    )
    template_version_publish(
        version=template_version_save(
            template=template,
            actor=admin,
            content={
                "title": "Decyzja w sprawie {{ case.sign }}",
                "legal_basis": "art. 104 i art. 217 KPA",
                "ruling": "Orzekam o wydaniu zaświadczenia dla: {{ parties }}.",
                "reasons": "Wniosek z dnia {{ case.started_on }} spełnia wymagania.",
                "appeal_body": "Samorządowe Kolegium Odwoławcze w Katowicach",
                "seal_allowed": True,
            },
        ),
        actor=admin,
    )

    # 1. the clerk takes the case and calls for a supplement: the clock stops
    office_page = a11y_page
    _staff_login(office_page, clerk)
    office_page.goto(f"/backoffice/sprawy/{case.pk}/")
    office_page.follow(office_page.get_by_role("button", name="Przejmij sprawę"))
    _call_for_supplement(office_page, case)
    case.refresh_from_db()
    call = SupplementCall.objects.get(case=case)
    assert case.status == "waiting" and call.suspension.ended_on is None

    # 2. the citizen opens the call and supplements in the portal: the clock restarts
    portal = _page(browser, live_server)
    log_in(portal, citizen.email)
    portal.goto("/skrzynka/")
    portal.follow(portal.get_by_role("link", name="Wezwanie do uzupełnienia"))
    portal.follow(portal.get_by_role("button", name="Otwórz pismo"))
    portal.goto(f"/sprawy/{case.pk}/")
    portal.follow(portal.get_by_role("button", name="Napisz odpowiedź w tej sprawie"))
    for name, value in {
        "Wnioskodawca__first_name": "Jan",
        "Wnioskodawca__last_name": "Kowalski",
        "Wnioskodawca__pesel": "44051401359",
        "Wnioskodawca__address__postal_code": "44-100",
        "Wnioskodawca__address__city": "Gliwice",
        "Wnioskodawca__address__building": "1",
    }.items():
        portal.fill(f"[name={name}]", value)
    portal.follow(portal.get_by_role("button", name=SUBMIT_STEP))
    portal.fill("[name=Tresc]", "Numer działki: 123/4.")
    portal.follow(portal.get_by_role("button", name=SUBMIT_STEP))
    portal.locator("[name=PrzezPelnomocnika][value=false]").check()
    portal.get_by_label(re.compile("Oświadczam, że dane podane we wniosku")).check()
    portal.fill("[name=MiejscowoscDokumentu]", "Gliwice")
    portal.follow(portal.get_by_role("button", name="Zapisz i sprawdź wniosek"))
    portal.follow(portal.get_by_role("button", name="Dane są poprawne – przejdź do podpisu"))
    portal.follow(portal.get_by_role("button", name="Podpisz podpisem osobistym SEKAP"))
    portal.follow(portal.get_by_role("button", name="Wyślij do urzędu"))
    _wait(
        lambda: Case.objects.get(pk=case.pk).status == "in_progress",
        "the supplement did not reach the case",
    )
    call.refresh_from_db()
    assert call.outcome == "supplemented" and call.suspension.ended_on is not None

    # 3. the clerk drafts the decision from the template and passes it for approval
    office_page.goto(f"/backoffice/sprawy/{case.pk}/decyzja/")
    office_page.follow(office_page.get_by_role("button", name="Przygotuj projekt decyzji"))
    assert "Orzekam o wydaniu zaświadczenia dla: Jan Kowalski." in office_page.content()
    office_page.follow(office_page.get_by_role("button", name="Przekaż do akceptacji"))
    assert Decision.objects.get(case=case).status == "approval"

    # 4. the head approves
    head_page = _page(browser, live_server)
    _staff_login(head_page, head)
    head_page.goto(f"/backoffice/sprawy/{case.pk}/decyzja/")
    head_page.follow(head_page.get_by_role("button", name="Zaakceptuj decyzję"))
    assert Decision.objects.get(case=case).status == "approved"
    assert not head_page.unchecked()
    head_page.context.close()

    # 5. the clerk, authorised to sign, seals the decision and sends it
    office_page.goto(f"/backoffice/sprawy/{case.pk}/decyzja/")
    office_page.follow(office_page.get_by_role("button", name="Podpisz pieczęcią urzędu"))
    office_page.follow(office_page.get_by_role("button", name="Wyślij stronom"))
    decision = Decision.objects.get(case=case)
    assert decision.status == "dispatched" and decision.signer_position == "inspektor"

    # 6. the citizen opens the decision (delivery under the platform rule)
    portal.goto("/skrzynka/")
    portal.follow(portal.get_by_role("link", name=decision.title))
    portal.follow(portal.get_by_role("button", name="Otwórz pismo"))
    delivered = delivery_date(letter=decision.letter)
    assert delivered == timezone.localdate()
    portal.goto(f"/sprawy/{case.pk}/")
    assert portal.locator("#appeal").count() == 1  # the appeal form is offered

    # 7. the appeal period passes without an appeal: the sweep makes the decision final
    decisions_sweep()
    decision.refresh_from_db()
    assert decision.appeal_until and decision.appeal_until >= delivered + dt.timedelta(days=14)
    assert decisions_sweep(now=decision.final_due_at - dt.timedelta(seconds=1))["final"] == 0
    assert decisions_sweep(now=decision.final_due_at)["final"] == 1
    case.refresh_from_db()
    assert case.status == "final" and case.closure.result == "decided"
    portal.goto(f"/sprawy/{case.pk}/")
    assert "decyzja ostateczna" in portal.locator("main").inner_text()
    assert portal.locator("#appeal").count() == 0

    # 8. the metryka: every step with the person, their position and the time
    office_page.goto(f"/backoffice/sprawy/{case.pk}/")
    metryka = office_page.locator("main").inner_text()
    for person, position in (("Urszula Referentka", "inspektor"), ("Henryk Naczelny", "naczelnik")):
        assert person in metryka and position in metryka
    events = CaseEvent.objects.filter(case=case)
    for action, actor in (
        ("assigned", clerk),
        ("sent_supplement", clerk),
        ("supplemented", None),
        ("decision_drafted", clerk),
        ("decision_approved", head),
        ("decision_signed", clerk),
        ("decision_dispatched", clerk),
        ("decision_final", None),
    ):
        assert events.filter(action=action, actor=actor).exists(), action
    assert events.get(action="decision_approved").actor_position == "naczelnik"

    # 9. the second case: the call is delivered, its term passes, left unexamined
    office_page.goto(f"/backoffice/sprawy/{second.pk}/")
    office_page.follow(office_page.get_by_role("button", name="Przejmij sprawę"))
    _call_for_supplement(office_page, second)
    late_call = SupplementCall.objects.get(case=second)
    (delivery,) = late_call.letter.deliveries.all()
    delivery_record_collection(  # the citizen opened it three weeks ago
        delivery=delivery, at=timezone.now() - dt.timedelta(days=21), by=citizen
    )
    clock.supplement_due_update(call=late_call)
    assert clock.supplement_sweep(today=timezone.localdate()) == 1  # the term has lapsed
    office_page.goto(f"/backoffice/sprawy/{second.pk}/terminy/")
    office_page.fill("[name=unexamined-body]", "Nie uzupełniono wniosku w terminie.")
    office_page.follow(office_page.locator("form[action$='/terminy/unexamined/'] button"))
    second.refresh_from_db()
    assert second.status == "unexamined" and second.closure.result == "left_unexamined"
    assert not portal.unchecked()
    portal.context.close()
