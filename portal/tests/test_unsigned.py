"""Letters the law lets anyone file without a signature (a request for public information, a
petition, a complaint or request): sent unsigned by a logged-in person, receipted (UPO) and
registered like the others; refused unsigned wherever a signature is required."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents.models import Submission
from forms_platform import selectors as forms
from forms_platform.seeding import seed_files, seed_forms
from forms_platform.selectors import signature_required
from offices.catalogue import catalogue_seed
from offices.models import Service
from offices.services import departments_seed_defaults, offices_load_csv
from portal.models import Draft, DraftStatus
from portal.tests.fixtures import intake, step_post
from sekap.accounts.tests.factories import UserFactory
from signatures import services as signatures
from tests.support import SharedRows

pytestmark = pytest.mark.django_db

PUBLIC_INFO = "informacja-publiczna"


SLUGS = (PUBLIC_INFO, "petycja", "skarga-wniosek", "pismo-ogolne")


def services_load() -> dict[str, int]:
    offices_load_csv()
    departments_seed_defaults()
    seed_forms(only=set(SLUGS))
    catalogue_seed()
    return dict(
        Service.objects.filter(office__terc="2466011", form_template__slug__in=SLUGS).values_list(
            "form_template__slug", "pk"
        )
    )


@pytest.fixture(scope="module")
def _services_rows(django_db_setup, django_db_blocker):
    """The four services at Gliwice, made once per module and shared by its tests (each rolled
    back to them: tests.support.SharedRows)."""
    yield from SharedRows.made("services", services_load, django_db_blocker)


@pytest.fixture
def services(request, _services_rows, db) -> dict[str, Service]:
    from documents.services import submissions

    submissions.forget_form_versions()
    pks = _services_rows.get(request) or services_load()
    found = Service.objects.select_related("office").in_bulk(pks.values())
    return {slug: found[pks[slug]] for slug in SLUGS}


def test_the_form_version_says_whether_a_signature_is_required(client, services):
    from forms_platform.selectors import current_version

    required = {
        slug: signature_required(current_version(service.form_template))
        for slug, service in services.items()
    }
    assert required == {
        PUBLIC_INFO: False,
        "petycja": False,
        "skarga-wniosek": False,
        "pismo-ogolne": True,
    }
    for slug, service in services.items():
        page = client.get(f"/uslugi/{service.pk}/").content.decode()
        said = "niewymagany: możesz wysłać pismo bez podpisu" in page
        assert said is not required[slug], slug
        assert ("wymagany: podpisz pismo przed wysłaniem" in page) is required[slug], slug


STEPS = {
    "wnioskodawca": {
        "Wnioskodawca__first_name": "Anna",
        "Wnioskodawca__last_name": "Nowak",
        "Wnioskodawca__address__postal_code": "44-100",
        "Wnioskodawca__address__city": "Gliwice",
        "Wnioskodawca__address__building": "21",
        "Email": "anna@example.test",
    },
    "informacja": {"ZakresInformacji": "Umowy na odbiór odpadów z 2024 r.", "Forma": "skrzynka"},
    "oswiadczenia": {"Oswiadczenie": "on", "MiejscowoscDokumentu": "Gliwice"},
}


def prepared(client, service: Service) -> Draft:
    client.post(f"/uslugi/{service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    for step, values in STEPS.items():
        response = client.post(f"/wnioski/robocze/{draft.pk}/krok/{step}/", step_post(**values))
        assert response.status_code == 302, response.content.decode()[:3000]
    assert client.post(f"/wnioski/robocze/{draft.pk}/podglad/")["Location"] == (
        f"/wnioski/robocze/{draft.pk}/podpis/"
    )
    draft.refresh_from_db()
    return draft


def test_a_public_information_request_is_sent_unsigned_and_receipted(client, services, sekap_trust):
    user = UserFactory(first_name="Anna", last_name="Nowak", pesel="")
    client.force_login(user)
    draft = prepared(client, services[PUBLIC_INFO])
    sign_page = client.get(f"/wnioski/robocze/{draft.pk}/podpis/").content.decode()
    assert f'action="/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/"' in sign_page
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/",
        {"idempotency_key": str(draft.idempotency_key)},
    )
    submission = Submission.objects.get()
    assert response["Location"] == f"/wnioski/{submission.public_id}/"
    assert bytes(submission.document) == bytes(draft.document)  # the prepared bytes, unsigned
    assert b"Signature" not in bytes(submission.document)
    upo = bytes(submission.receipt.xml)
    assert signatures.validate(upo).indication == "TOTAL_PASSED"  # sealed by the office
    assert submission.sha256.encode() in upo
    draft.refresh_from_db()
    assert (draft.status, draft.submission_public_id) == (
        DraftStatus.SUBMITTED,
        submission.public_id,
    )
    page = client.get(f"/wnioski/{submission.public_id}/").content.decode()
    assert f"/wnioski/{submission.public_id}/upo.xml" in page
    # a second click returns the same submission
    again = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/",
        {"idempotency_key": str(draft.idempotency_key)},
    )
    assert again["Location"] == f"/wnioski/{submission.public_id}/"
    assert Submission.objects.count() == 1

    intake(submission)
    submission.refresh_from_db()
    assert (
        submission.signature_indication,
        submission.signature_sub_indication,
        submission.signature_report,
        submission.needs_attention,
    ) == ("UNSIGNED", "NOT_REQUIRED", None, False)
    assert submission.register_entry.number == 1
    assert submission.case.sign.startswith(f"{submission.case.department.symbol}.1431.1.")


def test_an_application_that_needs_a_signature_cannot_be_sent_unsigned(client, services):
    user = UserFactory(first_name="Anna", last_name="Nowak", pesel="")
    client.force_login(user)
    service = services["pismo-ogolne"]
    client.post(f"/uslugi/{service.pk}/rozpocznij/")
    draft = Draft.objects.latest("pk")
    draft.document = b"<x/>"
    draft.status = DraftStatus.READY
    draft.save()
    sign_page = client.get(f"/wnioski/robocze/{draft.pk}/podpis/").content.decode()
    assert "wyslij-bez-podpisu" not in sign_page
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/",
        {"idempotency_key": str(draft.idempotency_key)},
        follow=True,
    )
    assert "To pismo trzeba podpisać przed wysłaniem." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY and Submission.objects.count() == 0


def test_someone_elses_draft_cannot_be_sent(client, services):
    owner = UserFactory()
    client.force_login(owner)
    draft = prepared(client, services[PUBLIC_INFO])
    client.force_login(UserFactory())
    response = client.post(
        f"/wnioski/robocze/{draft.pk}/wyslij-bez-podpisu/",
        {"idempotency_key": str(draft.idempotency_key)},
    )
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.status == DraftStatus.READY and Submission.objects.count() == 0


def api_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_the_api_accepts_unsigned_only_where_no_signature_is_required(
    client, services, sekap_trust
):
    user = UserFactory(first_name="Anna", last_name="Nowak", pesel="")
    client.force_login(user)
    document = bytes(prepared(client, services[PUBLIC_INFO]).document)
    general = services["pismo-ogolne"]
    sample = next(f for f in seed_files() if f["slug"] == "pismo-ogolne")["sample_data"]
    needs_signature = forms.build_document(
        version=forms.current_version(general.form_template),
        data=sample,
        sender={"kind": "person", "first_name": "Anna", "last_name": "Nowak"},
        addressee={"kind": "institution", "name": general.office.name},
    )
    api = api_for(user)
    refused = api.post(
        f"/api/v1/submissions/?service={general.pk}",
        data=needs_signature,
        content_type="application/xml",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "submission.unsigned"
    assert Submission.objects.count() == 0
    accepted = api.post(
        f"/api/v1/submissions/?service={services[PUBLIC_INFO].pk}",
        data=document,
        content_type="application/xml",
    )
    assert accepted.status_code == 201, accepted.content
    assert signatures.validate(accepted.json()["upo_xml"].encode()).indication == "TOTAL_PASSED"
    intake(Submission.objects.get())
    detail = api.get(f"/api/v1/submissions/{accepted.json()['id']}").json()
    assert (detail["status"], detail["signature_indication"]) == ("processed", "UNSIGNED")
