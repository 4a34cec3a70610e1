"""Signing a decision with the authorised official's own SEKAP clerk certificate (in the
browser or a file signed elsewhere), with real cryptography: the SEKAP CA issues the clerk
certificates, the validator checks the chain and revocation in-process. Every refusal leaves
the decision approved with its prepared document, and nothing signed."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from django.test import Client

from certauth.models import Profile
from certauth.services.issuance import certificate_issue, clerk_subject
from certauth.services.revocation import certificate_revoke
from documents.errors import DecisionRefused, SignatureRefused, TransitionRoleRequired
from documents.models import Case, CaseEvent, Decision, Delivery, LetterTemplate
from documents.services import case_take
from documents.services.letters import (
    decision_approve,
    decision_browser_finish,
    decision_browser_start,
    decision_dispatch,
    decision_draft,
    decision_sign,
    decision_sign_personal,
    decision_submit,
    decision_to_sign,
    signing_choice,
    template_version_publish,
    template_version_save,
)
from documents.services.workflow import case_transition
from documents.tests.fixtures import clerk_of, make_case, make_service
from offices.models import StaffMembership
from offices.services import membership_grant
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor
from sekap.audit.models import AuditEntry
from signatures import browser, signer
from signatures import services as signatures

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("english"),
    pytest.mark.usefixtures("store_outside_transactions"),
]

CONTENT = {
    "title": "Decyzja w sprawie {{ case.sign }}",
    "legal_basis": "art. 104 KPA",
    "ruling": "Orzekam o udzieleniu zezwolenia dla: {{ parties }}.",
    "reasons": "Wniosek spełnia wymagania.",
    "appeal_body": "Samorządowe Kolegium Odwoławcze w Katowicach",
    "seal_allowed": True,
}


@dataclass
class Official:
    user: object
    key: ec.EllipticCurvePrivateKey
    chain: list[x509.Certificate]
    row: object

    def sign(self, xml: bytes) -> bytes:
        return signer.sign_enveloped(xml, key=signer.SoftwareKey(self.key), cert_chain=self.chain)


def certify(ca_row, user, office) -> Official:
    """The official's clerk certificate from the SEKAP CA, naming their office."""
    key = ec.generate_private_key(ec.SECP256R1())
    row = certificate_issue(
        ca=ca_row,
        profile=Profile.objects.get(slug="clerk-signing"),
        public_key=key.public_key(),
        subject=clerk_subject(
            given_name=user.first_name, surname=user.last_name, office_name=office.name
        ),
        actor=None,
        holder=user,
        office_terc=office.terc,
    )
    issuing = x509.load_der_x509_certificate(bytes(ca_row.certificate_der))
    root = x509.load_der_x509_certificate(bytes(ca_row.parent.certificate_der))
    return Official(
        user=user,
        key=key,
        chain=[x509.load_der_x509_certificate(bytes(row.der)), issuing, root],
        row=row,
    )


@pytest.fixture
def approved(ca, sekap_trust):
    setup = make_service(symbol="OR")
    applicant = UserFactory(first_name="Anna", last_name="Nowak")
    case = make_case(setup, applicant, 1)
    clerk = clerk_of(setup)
    head = clerk_of(setup, role="head")
    signer_user = clerk_of(setup, role="signer")
    StaffMembership.objects.filter(user=signer_user).update(position="Kierownik Referatu")
    admin = StaffFactory()
    membership_grant(actor=None, user=admin, office=setup.office, role="office_admin")
    template = LetterTemplate.objects.create(
        office=setup.office, name="Zezwolenie", kind="decision"
    )
    version = template_version_publish(
        version=template_version_save(template=template, actor=admin, content=CONTENT),
        actor=admin,
    )
    case = case_take(case=case, clerk=clerk)
    case = case_transition(case=case, transition="accept", actor=clerk)
    decision = decision_draft(case=case, template=version, actor=clerk)
    decision = decision_submit(decision=decision, actor=clerk)
    decision = decision_approve(decision=decision, actor=head)

    class Flow:
        pass

    f = Flow()
    f.__dict__.update(
        setup=setup, case=case, clerk=clerk, head=head, decision=decision, ca=ca,
        signer=certify(ca, signer_user, setup.office),
    )  # fmt: skip
    return f


def untouched(flow) -> None:
    decision = Decision.objects.get(pk=flow.decision.pk)
    assert decision.status == "approved" and decision.letter_id is None
    assert decision.signed_by_id is None
    assert Case.objects.get(pk=flow.case.pk).status == "signature"


def test_the_official_signs_with_their_own_certificate(approved):
    flow = approved
    official = flow.signer
    decision = decision_to_sign(decision=flow.decision, actor=official.user)
    prepared = bytes(decision.to_sign)
    assert b"<d:Rodzaj>podpis_urzednika</d:Rodzaj>" in prepared
    assert b"Kierownik Referatu" in prepared
    assert official.user.last_name.encode() in prepared
    # preparing again for the same official keeps the same document
    again = decision_to_sign(decision=flow.decision, actor=official.user)
    assert bytes(again.to_sign) == prepared

    decision = decision_sign_personal(
        decision=flow.decision, actor=official.user, signed_xml=official.sign(prepared)
    )
    assert (decision.status, decision.signature_kind) == ("signed", "personal")
    assert decision.signer_certificate_id == official.row.pk
    assert decision.signed_by_id == official.user.pk
    assert decision.signer_position == "Kierownik Referatu"
    assert decision.to_sign is None
    letter = decision.letter
    assert str(letter.public_id) in prepared.decode()
    report = signatures.validate(bytes(letter.xml))
    assert report.indication == "TOTAL_PASSED"
    assert report.signatures[0].signed_by.surname == official.user.last_name
    assert Case.objects.get(pk=flow.case.pk).status == "dispatch"
    event = CaseEvent.objects.filter(case=flow.case, action="decision_signed").get()
    assert event.actor_id == official.user.pk
    entry = AuditEntry.objects.filter(action="documents.decision_signed").get()
    assert entry.actor_id == official.user.pk
    assert entry.after["signed_with"] == "personal"
    assert entry.after["certificate"] == official.row.serial_hex

    dispatched = decision_dispatch(decision=decision, actor=flow.clerk)
    assert dispatched.status == "dispatched"
    assert Delivery.objects.filter(letter=letter).count() >= 1


def test_signing_in_the_browser_goes_through_the_same_checks(approved):
    official = approved.signer
    key_id = browser.key_id(bytes(official.row.der))
    choice = signing_choice(decision=approved.decision, actor=official.user)
    assert choice.browser_keys == (key_id,) and choice.seal
    with pytest.raises(SignatureRefused):
        decision_browser_start(decision=approved.decision, actor=official.user, key_id="0" * 32)
    octets = decision_browser_start(decision=approved.decision, actor=official.user, key_id=key_id)

    def raw(key) -> bytes:
        r, s = decode_dss_signature(key.sign(octets, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    with pytest.raises(SignatureRefused):
        decision_browser_finish(
            decision=approved.decision,
            actor=official.user,
            signature_value=raw(ec.generate_private_key(ec.SECP256R1())),
        )
    untouched(approved)
    decision = decision_browser_finish(
        decision=approved.decision, actor=official.user, signature_value=raw(official.key)
    )
    assert (decision.status, decision.signature_kind) == ("signed", "personal")
    assert signatures.validate(bytes(decision.letter.xml)).indication == "TOTAL_PASSED"


def test_another_officials_certificate_is_refused(approved):
    flow = approved
    colleague = certify(flow.ca, clerk_of(flow.setup, role="signer"), flow.setup.office)
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    with pytest.raises(SignatureRefused, match="not yours"):
        decision_sign_personal(
            decision=flow.decision, actor=flow.signer.user, signed_xml=colleague.sign(prepared)
        )
    untouched(flow)
    # the colleague cannot use the document prepared for someone else either
    with pytest.raises(SignatureRefused, match="not prepared for your signature"):
        decision_sign_personal(
            decision=flow.decision, actor=colleague.user, signed_xml=colleague.sign(prepared)
        )
    untouched(flow)
    assert Decision.objects.get(pk=flow.decision.pk).to_sign  # nothing lost


def test_a_revoked_certificate_is_refused(approved):
    flow = approved
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    signed = flow.signer.sign(prepared)
    # the holder revokes it (a lost key). The CA's pre-signed OCSP answer is renewed after
    # commit, so the service also reads the certificate's status in the CA's own table: a
    # revoked SEKAP certificate is refused even while a stale "good" answer is still served.
    certificate_revoke(certificate=flow.signer.row, reason="key_compromise", actor=flow.signer.user)
    with pytest.raises(SignatureRefused, match="revoked or suspended"):
        decision_sign_personal(decision=flow.decision, actor=flow.signer.user, signed_xml=signed)
    untouched(flow)


def test_a_clerk_not_authorised_to_sign_is_refused(approved):
    flow = approved
    clerk = certify(flow.ca, flow.clerk, flow.setup.office)  # a clerk certificate, no signer role
    with pytest.raises(TransitionRoleRequired):
        decision_to_sign(decision=flow.decision, actor=clerk.user)
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    with pytest.raises(TransitionRoleRequired):
        decision_sign_personal(
            decision=flow.decision, actor=clerk.user, signed_xml=clerk.sign(prepared)
        )
    untouched(flow)


def test_tampered_bytes_are_refused(approved):
    flow = approved
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    tampered = prepared.replace(b"udzieleniu zezwolenia", b"odmowie zezwolenia")
    assert tampered != prepared
    with pytest.raises(SignatureRefused, match="not exactly the approved decision"):
        decision_sign_personal(
            decision=flow.decision,
            actor=flow.signer.user,
            signed_xml=flow.signer.sign(tampered),
        )
    # a valid signature with its signed bytes changed afterwards fails the validation
    signed = flow.signer.sign(prepared)
    with pytest.raises(SignatureRefused):
        decision_sign_personal(
            decision=flow.decision,
            actor=flow.signer.user,
            signed_xml=signed.replace(b"udzieleniu zezwolenia", b"odmowie zezwolenia"),
        )
    with pytest.raises(SignatureRefused, match="no signature"):
        decision_sign_personal(decision=flow.decision, actor=flow.signer.user, signed_xml=prepared)
    untouched(flow)


def test_officials_of_another_office_are_refused(approved):
    flow = approved
    elsewhere = make_service(office=OfficeFactory(), symbol="OS")
    stranger = certify(flow.ca, clerk_of(elsewhere, role="signer"), elsewhere.office)
    with pytest.raises(TransitionRoleRequired):
        decision_to_sign(decision=flow.decision, actor=stranger.user)
    # a signer here whose certificate names another office
    other_cert = certify(flow.ca, flow.signer.user, elsewhere.office)
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    with pytest.raises(SignatureRefused, match="clerk certificate of this office"):
        decision_sign_personal(
            decision=flow.decision, actor=flow.signer.user, signed_xml=other_cert.sign(prepared)
        )
    untouched(flow)


def test_a_return_for_changes_forgets_the_prepared_document(approved):
    from documents.services.letters import decision_return

    flow = approved
    decision_to_sign(decision=flow.decision, actor=flow.signer.user)
    decision = decision_return(decision=flow.decision, actor=flow.head, reason="Popraw datę.")
    decision.refresh_from_db()
    assert decision.to_sign is None and decision.to_sign_for_id is None


def test_the_seal_only_where_the_office_allows_it(approved):
    flow = approved
    office = flow.setup.office
    office.decision_seal_allowed = False
    office.save(update_fields=["decision_seal_allowed"])
    assert not signing_choice(
        decision=Decision.objects.get(pk=flow.decision.pk), actor=flow.signer.user
    ).seal
    with pytest.raises(DecisionRefused, match="own SEKAP certificate"):
        decision_sign(decision=flow.decision, actor=flow.signer.user)
    untouched(flow)
    office.decision_seal_allowed = True
    office.save(update_fields=["decision_seal_allowed"])
    decision = decision_sign(decision=flow.decision, actor=flow.signer.user)
    assert (decision.status, decision.signature_kind) == ("signed", "seal")
    assert b"<d:Rodzaj>pieczec_urzedu</d:Rodzaj>" in bytes(decision.letter.xml)


def test_pages_without_javascript_download_and_upload(approved):
    flow = approved
    client = Client()
    login_with_second_factor(client, flow.signer.user)
    base = f"/backoffice/sprawy/{flow.case.pk}/decyzja/"
    page = client.get(base)
    assert page.status_code == 200
    assert "Prepare the decision for my signature" in page.content.decode() or (
        "Przygotuj decyzję do mojego podpisu" in page.content.decode()
    )
    assert client.get(base + "do-podpisu.xml").status_code == 404  # not prepared yet
    assert client.post(base + "prepare/").status_code == 302
    prepared = client.get(base + "do-podpisu.xml")
    assert prepared.status_code == 200 and prepared["Content-Type"] == "application/xml"
    other = Client()
    login_with_second_factor(other, flow.clerk)
    assert other.get(base + "do-podpisu.xml").status_code == 404  # only the official's own

    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = client.post(
        base + "upload/",
        {"signed_file": SimpleUploadedFile("d.xml", prepared.content, "application/xml")},
    )
    assert bad.status_code == 400 and 'class="error-summary"' in bad.content.decode()
    untouched(flow)
    signed = flow.signer.sign(prepared.content)
    done = client.post(
        base + "upload/", {"signed_file": SimpleUploadedFile("d.xml", signed, "application/xml")}
    )
    assert done.status_code == 302
    assert Decision.objects.get(pk=flow.decision.pk).signature_kind == "personal"


def test_an_official_requests_a_clerk_certificate_with_a_browser_key(ca, settings):
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    from certauth.models import CertificateRequest

    settings.CERTAUTH_RA_POLICY = "offices.pki.OfficesRaPolicy"
    setup = make_service(symbol="OR")
    official = clerk_of(setup, role="signer")  # authorised to sign, no other role
    membership_grant(actor=None, user=official, office=setup.office, role="office_admin")
    client = Client()
    login_with_second_factor(client, official)
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SEKAP")]))
        .sign(key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM)
        .decode()
    )
    form = {"csr": csr, "origin": "browser"}
    seal = client.post(
        "/backoffice/pki/nowy/", {**form, "kind": "office-seal", "office_terc": setup.office.terc}
    )
    assert seal.status_code == 200 and 'class="error-summary"' in seal.content.decode()
    assert not CertificateRequest.objects.exists()  # a browser key never becomes a seal's
    done = client.post("/backoffice/pki/nowy/", {**form, "kind": "clerk-signing"})
    assert done.status_code == 302
    request = CertificateRequest.objects.get()
    assert (request.origin, request.profile.slug, request.subject_user_id) == (
        "browser",
        "clerk-signing",
        official.pk,
    )
    assert request.office_terc == setup.office.terc


def test_a_certificate_outside_the_trusted_chain_is_refused(approved):
    """The exact prepared document, signed with a self-made certificate bearing the official's
    name: the validator finds no trusted chain."""
    import datetime as dt

    from cryptography.x509.oid import NameOID

    flow = approved
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.GIVEN_NAME, flow.signer.user.first_name),
            x509.NameAttribute(NameOID.SURNAME, flow.signer.user.last_name),
            x509.NameAttribute(NameOID.COMMON_NAME, flow.signer.user.get_full_name()),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    prepared = bytes(decision_to_sign(decision=flow.decision, actor=flow.signer.user).to_sign)
    signed = signer.sign_enveloped(prepared, key=signer.SoftwareKey(key), cert_chain=[forged])
    with pytest.raises(SignatureRefused, match="The signature is not valid"):
        decision_sign_personal(decision=flow.decision, actor=flow.signer.user, signed_xml=signed)
    untouched(flow)
