"""Signing in the browser (server side) and a double click on "send" from two threads."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import connection
from django.test import Client

from documents.models import Receipt, Submission
from portal.services import drafts as services
from portal.tests.fixtures import PDF, STEP1, STEP2, STEP3, certificate_holder, load_catalogue
from sekap.accounts.tests.factories import UserFactory
from signatures import services as signatures
from tests.support import require_postgresql


def answered(user, service):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils.datastructures import MultiValueDict

    from forms_platform.forms import build_step_form

    draft = services.draft_start(user=user, service=service)
    for key, data in (("wnioskodawca", STEP1), ("zaswiadczenie", STEP2), ("oswiadczenia", STEP3)):
        files = MultiValueDict(
            {"DowodOplaty": [SimpleUploadedFile("oplata.pdf", PDF)]}
            if key == "zaswiadczenie"
            else {}
        )
        form = build_step_form(draft.version.definition, step_key=key, data=data, files=files)
        assert form.is_valid(), form.error_items
        draft = services.draft_save_step(
            draft=draft, user=user, step_key=key, step_data=form.form_data
        )
    return services.draft_prepare(draft=draft, user=user)


def raw_signature(key: ec.EllipticCurvePrivateKey, octets: bytes) -> bytes:
    r, s = decode_dss_signature(key.sign(octets, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.mark.django_db
def test_browser_signature_is_checked_before_it_is_accepted(catalogue, ca, sekap_trust):
    user = UserFactory(first_name="Jan", last_name="Kowalski", pesel="44051401359")
    holder = certificate_holder(ca, user=user)
    draft = answered(user, catalogue.service)
    key_id = services.browser_key_id(holder.chain[0].public_bytes(Encoding.DER))
    assert list(services.browser_certificates(user)) == [key_id]
    with pytest.raises(services.DraftError):
        services.browser_signing_start(draft=draft, user=user, key_id="0" * 32)

    octets = services.browser_signing_start(draft=draft, user=user, key_id=key_id)
    stranger = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(services.DraftError):
        services.browser_signing_finish(
            draft=draft, user=user, signature_value=raw_signature(stranger, octets)
        )
    with pytest.raises(services.DraftError):
        services.browser_signing_finish(draft=draft, user=user, signature_value=b"\0" * 63)
    draft.refresh_from_db()
    assert draft.status == "ready" and draft.signed_document is None

    draft = services.browser_signing_finish(
        draft=draft, user=user, signature_value=raw_signature(holder.key, octets)
    )
    assert (draft.status, draft.signature_method) == ("signed", "browser")
    assert draft.pending_signature is None
    report = signatures.validate(bytes(draft.signed_document))
    assert report.indication == "TOTAL_PASSED", report.signatures[0].errors
    assert report.signatures[0].signed_by.pesel == "44051401359"


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_clicks_on_send_make_one_submission(
    cert_profiles, verified, platform_trust
):
    require_postgresql(connection.vendor, "concurrent requests need PostgreSQL")
    catalogue = load_catalogue()  # committed, not the module's shared catalogue
    draft = answered(verified, catalogue.service)
    draft = services.draft_sign_trusted_profile(draft=draft, user=verified)
    barrier = threading.Barrier(2)
    responses = []

    def click() -> None:
        client = Client()
        client.force_login(verified)
        barrier.wait()
        try:
            responses.append(
                client.post(
                    f"/wnioski/robocze/{draft.pk}/wyslij/",
                    {"idempotency_key": str(draft.idempotency_key)},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    submission = Submission.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {f"/wnioski/{submission.public_id}/"}
    assert Receipt.objects.filter(submission=submission).count() == 1
