"""Filling in a form as a newcomer would: the step count, what is filled in for you, the fee."""

from __future__ import annotations

import pytest

from documents.models import Submission
from portal.models import Draft
from portal.tests.fixtures import STEP1, intake, step_post
from portal.tests.test_unsigned import (  # noqa: F401
    PUBLIC_INFO,
    _services_rows,
    prepared,
    services,
)
from sekap.accounts.models import Company, Representation
from sekap.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_step_heading_counts_the_steps_the_progress_bar_shows(client, catalogue):
    client.force_login(UserFactory())
    client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    html = client.get(f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/").content.decode()
    start = html.index('class="progress"')
    progress = html[start : html.index("</nav>", start)]
    assert progress.count("<li") == 6  # three form steps, then check, sign, send
    assert "Krok 1 z 6: Wnioskodawca" in html


def test_the_account_fills_in_the_person_and_the_e_mail(client, catalogue):
    from portal.services.accounts import profile_of

    user = UserFactory(
        first_name="Ewa", last_name="Lis", pesel="44051401359", email="ewa@example.test"
    )
    profile = profile_of(user)
    profile.postal_code, profile.city, profile.building = "44-100", "Gliwice", "7"
    profile.save()
    client.force_login(user)
    client.post(f"/uslugi/{catalogue.service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    html = client.get(f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/").content.decode()
    for name, value in (
        ("Wnioskodawca__first_name", "Ewa"),
        ("Wnioskodawca__last_name", "Lis"),
        ("Wnioskodawca__pesel", "44051401359"),
        ("Wnioskodawca__address__postal_code", "44-100"),
        ("Wnioskodawca__address__building", "7"),
        ("Email", "ewa@example.test"),
    ):
        assert f'name="{name}" value="{value}"' in html, name
    # an answer given and saved is not overwritten by the account's data
    client.post(
        f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/",
        step_post(**{**STEP1, "Email": "inny@example.test"}),
    )
    html = client.get(f"/wnioski/robocze/{draft.pk}/krok/wnioskodawca/").content.decode()
    assert 'name="Email" value="inny@example.test"' in html


def test_a_representative_gets_the_company_filled_in(client, services):  # noqa: F811
    from forms_platform.seeding import seed_forms
    from offices.catalogue import catalogue_seed
    from offices.models import Service

    seed_forms(only={"zezwolenie-alkohol"})
    catalogue_seed()
    service = Service.objects.get(office__terc="2466011", form_template__slug="zezwolenie-alkohol")
    user = UserFactory(kind="business")
    company = Company.objects.create(
        name="Sklep Lis sp. z o.o.", nip="5260250274", regon="012345675", krs="0000012345"
    )
    Representation.objects.create(user=user, company=company, status="approved")
    client.force_login(user)
    response = client.post(f"/uslugi/{service.pk}/rozpocznij/", {"company": company.pk})
    draft = Draft.objects.latest("pk")
    assert draft.company_id == company.pk, response
    step = draft.steps[0]["key"]
    html = client.get(f"/wnioski/robocze/{draft.pk}/krok/{step}/").content.decode()
    assert 'value="Sklep Lis sp. z o.o."' in html and 'value="5260250274"' in html


def test_the_fee_is_shown_on_the_review_submission_and_case_pages(
    client,
    services,  # noqa: F811
    sekap_trust,
):
    service = services[PUBLIC_INFO]
    service.fee_kind = "tariff"
    service.fee_items = [{"label": "kserokopia strony A4", "amount_grosze": 35}]
    service.fee_legal_basis = "art. 15 u.d.i.p."
    service.save()
    office = service.office
    office.fee_iban = "PL61109010140000071219812874"
    office.save()
    client.force_login(UserFactory())
    draft = prepared(client, service)
    expected = [
        "Do zapłaty: <strong>0,35 zł</strong> (kserokopia strony A4).",
        "<code>PL61 1090 1014 0000 0712 1981 2874</code>",
        "SEKAP nada płatności osobny numer rachunku",
    ]
    html = client.get(f"/wnioski/robocze/{draft.pk}/podglad/").content.decode()
    assert [text for text in expected if text not in html] == [], html[html.find("fee-due") :]
    assert "Opłata – Wniosek o udostępnienie informacji publicznej</dd>" in html
    client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/",
        {"idempotency_key": str(draft.idempotency_key)},
    )
    submission = Submission.objects.get()
    intake(submission)
    submission.refresh_from_db()
    html = client.get(f"/wnioski/{submission.public_id}/").content.decode()
    assert all(text in html for text in expected)
    title = f"Opłata – Wniosek o udostępnienie informacji publicznej, {submission.case.sign}"
    assert f"{title}</dd>" in html
    html = client.get(f"/sprawy/{submission.case.pk}/").content.decode()
    assert all(text in html for text in expected) and f"{title}</dd>" in html


def test_a_free_service_says_so_and_shows_no_account(client, services, sekap_trust):  # noqa: F811
    client.force_login(UserFactory())
    draft = prepared(client, services[PUBLIC_INFO])
    html = client.get(f"/wnioski/robocze/{draft.pk}/podglad/").content.decode()
    assert "Sprawa jest wolna od opłat: nic nie trzeba płacić." in html
    assert "Numer rachunku" not in html


def test_adding_and_removing_a_row_keep_the_answers_and_judge_nothing(client, services):  # noqa: F811
    from forms_platform.seeding import seed_forms
    from offices.catalogue import catalogue_seed
    from offices.models import Service

    seed_forms(only={"zezwolenie-alkohol"})
    catalogue_seed()
    service = Service.objects.get(office__terc="2466011", form_template__slug="zezwolenie-alkohol")
    client.force_login(UserFactory())
    client.post(f"/uslugi/{service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    url = f"/wnioski/robocze/{draft.pk}/krok/przedsiebiorca/"
    typed = {"Przedsiebiorca__nip": "123", "Pelnomocnicy__0__Pelnomocnik": "Jan Lis"}
    response = client.post(url, {**typed, "_add": "Pelnomocnicy"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "error-summary" not in html and "aria-invalid" not in html
    assert 'name="Przedsiebiorca__nip" value="123"' in html  # kept as typed
    assert 'name="Pelnomocnicy__1__Pelnomocnik"' in html
    assert 'name="_remove" value="Pelnomocnicy__0"' in html
    response = client.post(
        url,
        {**typed, "Pelnomocnicy__1__Pelnomocnik": "Ewa Lis", "_remove": "Pelnomocnicy__0"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "error-summary" not in html
    assert 'name="Pelnomocnicy__0__Pelnomocnik" value="Ewa Lis"' in html
    assert "Jan Lis" not in html and 'name="Pelnomocnicy__1__Pelnomocnik"' not in html
    draft.refresh_from_db()
    assert draft.data == {} and draft.completed_steps == []  # nothing saved by either
