"""The e-Doręczenia protocol (issue 11, item 4), against the fake operator run as a real HTTPS
server on 127.0.0.1 that requires a client certificate: the office logs in by mutual TLS with
its seal (RFC 8705), the token is bound to that certificate, and a letter goes through the
User Agent API's message task and evidence calls, its proofs stored byte for byte."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress

import pytest
import requests
from celery.exceptions import Retry
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from certauth.services.seals import forget_cached_seals, office_seal
from documents import tasks
from documents.errors import DeliveryUnavailable
from documents.models import CaseEvent, Delivery
from documents.services.delivery import Addressee, edoreczenia, edoreczenia_sync, letter_dispatch
from documents.services.delivery import edoreczenia_fake as fake
from documents.services.delivery.client_auth import (
    ClientIdentity,
    OfficeClient,
    client_identity,
    ssl_context,
    thumbprint,
    token_request,
)
from documents.tests.test_backoffice import clerk_of, make_case
from documents.tests.test_delivery import ADE, sealed_letter
from signatures import services as signatures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("store_outside_transactions")]


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _certificate(subject: str, key, *, issuer=None, issuer_key=None, ca: bool, san=None):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(autouse=True)
def _fresh_fake():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office_client(setup) -> OfficeClient:
    office = setup.office
    return OfficeClient(client_id=office.esp_address, terc=office.terc, name=office.name)


@pytest.fixture
def operator(setup, office_client, tmp_path, settings):
    """The fake operator on a real socket: its own TLS CA and server certificate for
    127.0.0.1; client certificates must chain to the platform CA. The office's seal is
    registered with it, as an office does before it can send."""
    identity = client_identity(office_client)  # issues the seal (and the platform CA)
    fake.register_client(office_client.client_id, identity.certificate)
    fake.operator_seal()  # issued now: the server's threads never touch the database
    tls_ca_key = ec.generate_private_key(ec.SECP256R1())
    tls_ca = _certificate("Operator TLS CA (test)", tls_ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    loopback = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = _certificate("127.0.0.1", server_key, issuer=tls_ca, issuer_key=tls_ca_key,
                          ca=False, san=loopback)  # fmt: skip
    files = {
        "chain.pem": _pem(server) + _pem(tls_ca),
        "key.pem": _key_pem(server_key),
        "operator-ca.pem": _pem(tls_ca),
        "clients.pem": b"".join(_pem(c) for c in fake.trusted_cas()),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    running = fake.HttpsOperator(
        server_chain_pem=str(tmp_path / "chain.pem"),
        server_key_pem=str(tmp_path / "key.pem"),
        client_cas_pem=str(tmp_path / "clients.pem"),
    )
    settings.DOCUMENTS_EDORECZENIA_PROVIDER = running.api
    settings.DOCUMENTS_EDORECZENIA_TOKEN_URL = running.token_url
    settings.DOCUMENTS_EDORECZENIA_CA_BUNDLE = str(tmp_path / "operator-ca.pem")
    running.ca_bundle = str(tmp_path / "operator-ca.pem")
    yield running
    running.close()
    forget_cached_seals()


def mtls(identity: ClientIdentity, operator) -> requests.Session:
    session = requests.Session()
    session.mount(
        "https://", edoreczenia.MutualTls(ssl_context(identity, ca_bundle=operator.ca_bundle))
    )
    session.verify = operator.ca_bundle
    return session


def other_office(setup) -> OfficeClient:
    from offices.tests.factories import OfficeFactory

    office = OfficeFactory(terc="2466011")
    assert office.pk != setup.office.pk
    return OfficeClient(client_id=office.esp_address, terc=office.terc, name=office.name)


def test_the_token_is_bought_with_the_seal_certificate_and_bound_to_it(office_client, operator):
    identity = client_identity(office_client)
    answer = mtls(identity, operator).post(
        operator.token_url, data=token_request(client=office_client)
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()
    assert token["token_type"] == "Bearer" and token["scope"] == "read_messages write_messages"
    binding = fake.token_binding(token["access_token"])
    assert binding["cnf"]["x5t#S256"] == thumbprint(identity.certificate)
    assert binding["sub"] == office_client.client_id
    # the server read the certificate from the TLS handshake itself
    assert operator.requests == [("POST", "/oauth2/token", thumbprint(identity.certificate))]
    # no client certificate at all: the handshake fails
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(operator.token_url, data=token_request(client=office_client),
                      verify=operator.ca_bundle, timeout=5)  # fmt: skip


def test_a_certificate_outside_the_platform_ca_is_refused_in_the_handshake(office_client, operator):
    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger = _certificate("Urząd (samozwańczy)", stranger_key, ca=False)
    fake.register_client(office_client.client_id, stranger)  # even when registered
    with pytest.raises(requests.exceptions.SSLError):
        mtls(ClientIdentity(chain=(stranger,), key=stranger_key), operator).post(
            operator.token_url, data=token_request(client=office_client), timeout=5
        )
    # the in-process transport checks the chain itself, with the same result
    session = requests.Session()
    der = stranger.public_bytes(serialization.Encoding.DER)
    session.mount(fake.FAKE_ORIGIN, fake.FakeTransport(client_chain=(der,)))
    refused = session.post(fake.FAKE_TOKEN_URL, data=token_request(client=office_client))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_another_offices_seal_is_not_the_registered_certificate(setup, office_client, operator):
    theirs = client_identity(other_office(setup))  # chains to the platform CA too
    answer = mtls(theirs, operator).post(
        operator.token_url, data=token_request(client=office_client)
    )
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"


def test_a_token_bound_to_another_certificate_is_refused(setup, office_client, operator):
    ours = client_identity(office_client)
    token = (
        mtls(ours, operator)
        .post(operator.token_url, data=token_request(client=office_client))
        .json()["access_token"]
    )
    box = f"{operator.api}/{requests.utils.quote(office_client.client_id, safe='')}"
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"{box}/messages/tasks/none/status"
    assert mtls(ours, operator).get(url, headers=bearer).status_code == 400  # known task? no
    # the same token over a connection presenting another (valid, registered) certificate
    neighbour = other_office(setup)
    theirs = client_identity(neighbour)
    fake.register_client(neighbour.client_id, theirs.certificate)
    stolen = mtls(theirs, operator).get(url, headers=bearer)
    assert stolen.status_code == 401 and "invalid_token" in stolen.headers["WWW-Authenticate"]
    # and the neighbour's own token opens only the neighbour's box
    own = mtls(theirs, operator).post(operator.token_url, data=token_request(client=neighbour))
    theirs_bearer = {"Authorization": f"Bearer {own.json()['access_token']}"}
    assert mtls(theirs, operator).get(url, headers=theirs_bearer).status_code == 403


def _dispatch(case, clerk, django_capture_on_commit_callbacks) -> Delivery:
    letter = sealed_letter(case, clerk)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery,) = letter_dispatch(
            letter=letter, actor=clerk,
            addressees=[Addressee(name="Jan Adresat", user=case.applicant, ade=ADE)],
        )  # fmt: skip
    return Delivery.objects.get(pk=delivery.pk)


def _served(evidence_type: str, delivery: Delivery) -> bytes:
    """The bytes the fake operator holds for the message's evidence of ``evidence_type``."""
    message = fake._message(delivery.provider_ref)
    rows = [cache.get(fake._key("ev", e)) for e in message["evidences"]]
    (row,) = [r for r in rows if r["type"] == evidence_type]
    return base64.b64decode(row["xml"])


def test_a_letter_goes_through_the_operator_and_comes_back_with_the_proof_of_receipt(
    setup, citizen, operator, django_capture_on_commit_callbacks
):
    case, clerk = make_case(setup, citizen.user), clerk_of(setup)
    delivery = _dispatch(case, clerk, django_capture_on_commit_callbacks)
    assert delivery.status == "available" and delivery.provider_ref.startswith("MSG-")
    box = requests.utils.quote(setup.office.esp_address, safe="")
    paths = [(method, path.split("?")[0]) for method, path, _cert in operator.requests]
    task = fake._message(delivery.provider_ref)["task"]
    assert paths[:4] == [
        ("POST", "/oauth2/token"),
        ("POST", f"/api/v1/{box}/messages"),
        ("GET", f"/api/v1/{box}/messages/tasks/{task}/status"),
        ("GET", f"/api/v1/{box}/messages/tasks/{task}"),
    ]
    assert ("GET", f"/api/v1/{box}/messages/{delivery.provider_ref}/evidences") in paths
    # every call presented the office's seal certificate
    assert {cert for *_rest, cert in operator.requests} == {
        thumbprint(office_seal(terc=setup.office.terc, name=setup.office.name)[1][0])
    }
    # the proof of sending is the operator's signed XML, byte for byte
    sent = bytes(delivery.sending_proof)
    assert sent == _served("A.1", delivery)
    assert signatures.validate(sent).indication == "TOTAL_PASSED"
    assert fake._message(delivery.provider_ref)["sha256"] == delivery.letter.sha256

    assert fake.collect(delivery.provider_ref) is True  # the addressee opens it
    edoreczenia_sync(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.rule == "ude_42_1"
    proof = bytes(delivery.receipt_proof)
    assert proof == _served("E.1", delivery)
    assert signatures.validate(proof).indication == "TOTAL_PASSED"
    assert b"<d:Typ>E.1</d:Typ>" in proof

    # running again (a retried task, the sweep) sends nothing and changes nothing
    posts = sum(1 for method, path, _c in operator.requests if path.endswith("/messages"))
    edoreczenia_sync(delivery_id=delivery.pk)
    tasks.delivery_send.apply(kwargs={"delivery_id": delivery.pk}, throw=True)
    again = Delivery.objects.get(pk=delivery.pk)
    assert (bytes(again.sending_proof), bytes(again.receipt_proof)) == (sent, proof)
    assert posts == 1 == sum(1 for m, p, _c in operator.requests if p.endswith("/messages"))
    assert CaseEvent.objects.filter(case=case, action="delivery_delivered").count() == 1


def test_a_pending_message_task_is_polled_until_it_names_the_message(
    setup, citizen, operator, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(fake, "TASK_SECONDS", 3600)
    case, clerk = make_case(setup, citizen.user), clerk_of(setup)
    delivery = _dispatch(case, clerk, django_capture_on_commit_callbacks)
    assert delivery.status == "pending" and delivery.provider_ref.startswith("task:")
    assert delivery.due_at is not None and delivery.sending_proof is None
    edoreczenia_sync(delivery_id=delivery.pk)  # still pending: not sent a second time
    task = delivery.provider_ref.removeprefix("task:")
    assert Delivery.objects.get(pk=delivery.pk).provider_ref == delivery.provider_ref
    stored = cache.get(fake._key("task", task))
    stored["ready_at"] = timezone.now().isoformat()  # the operator finishes the task
    cache.set(fake._key("task", task), stored, timeout=None)
    delivery = edoreczenia_sync(delivery_id=delivery.pk)
    assert delivery.status == "available" and delivery.provider_ref.startswith("MSG-")
    assert sum(1 for _m, p, _c in operator.requests if p.endswith("/messages")) == 1


def test_an_operator_outage_leaves_the_delivery_due_and_the_task_retries(
    setup, citizen, operator, django_capture_on_commit_callbacks
):
    case, clerk = make_case(setup, citizen.user), clerk_of(setup)
    fake.outage(True)
    delivery = _dispatch(case, clerk, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.provider_ref, delivery.attempts) == ("pending", "", 1)
    assert delivery.due_at > timezone.now()
    with pytest.raises(DeliveryUnavailable):
        edoreczenia_sync(delivery_id=delivery.pk)
    with pytest.raises(Retry) as retry:  # the retried task asks to run again later
        tasks.delivery_send.apply(kwargs={"delivery_id": delivery.pk})
    assert isinstance(retry.value.exc, DeliveryUnavailable) and retry.value.when == 60
    fake.outage(False)
    delivery = edoreczenia_sync(delivery_id=delivery.pk)
    assert delivery.status == "available" and delivery.attempts == 0


def test_a_revoked_token_is_bought_again_once(office_client, operator):
    link = edoreczenia._Connection(office_client)

    def calls() -> list[tuple[str, str]]:
        return [(m, p.rsplit("/", 1)[-1]) for m, p, _c in operator.requests]

    with pytest.raises(edoreczenia.Rejected):  # 400: no such task (after logging in)
        link.call("GET", "/messages/tasks/none/status")
    fake.revoke_tokens(office_client.client_id)  # the operator drops the token
    with pytest.raises(edoreczenia.Rejected):
        link.call("GET", "/messages/tasks/none/status")
    assert calls() == [("POST", "token"), ("GET", "status"),
                       ("GET", "status"), ("POST", "token"), ("GET", "status")]  # fmt: skip


def test_the_adapter_refuses_to_run_inside_a_transaction(office_client, operator):
    item = edoreczenia.Outgoing(sender=office_client, recipient_ade=ADE, subject="S",
                                document=b"<a/>", document_name="a.xml")  # fmt: skip
    with transaction.atomic(), pytest.raises(edoreczenia.InsideTransaction):
        edoreczenia.submit(item)
    assert operator.requests == []


def test_a_client_certificate_from_a_registered_ca_is_accepted(office_client, operator):
    """In-process, the fake checks the chain itself: a CA outside the platform's is refused
    until it is registered with the operator (``trust_ca``)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    other_ca = _certificate("Inny dostawca (test)", ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("Urząd", leaf_key, issuer=other_ca, issuer_key=ca_key, ca=False)
    fake.register_client(office_client.client_id, leaf)
    chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in (leaf, other_ca))
    session = requests.Session()
    session.mount(fake.FAKE_ORIGIN, fake.FakeTransport(client_chain=chain))
    form = token_request(client=office_client)
    assert session.post(fake.FAKE_TOKEN_URL, data=form).status_code == 401
    fake.trust_ca(other_ca)
    answer = session.post(fake.FAKE_TOKEN_URL, data=form)
    assert answer.status_code == 200
    bound = fake.token_binding(answer.json()["access_token"])["cnf"]["x5t#S256"]
    assert bound == thumbprint(leaf)


def test_a_seal_key_held_in_the_token_cannot_log_in_and_the_delivery_stays_due(
    setup, citizen, operator, monkeypatch, django_capture_on_commit_callbacks
):
    from certauth import keys
    from certauth.services import seals

    key, chain = office_seal(terc=setup.office.terc, name=setup.office.name)
    in_token = keys.XmlSigningKey(
        keys.Signer(key_ref="pkcs11:seal", key_type=key.signer.key_type,
                    public_key=key.signer.public_key)
    )  # fmt: skip
    monkeypatch.setattr(seals, "office_seal", lambda **_kw: (in_token, chain))
    case, clerk = make_case(setup, citizen.user), clerk_of(setup)
    delivery = _dispatch(case, clerk, django_capture_on_commit_callbacks)
    assert (delivery.status, delivery.provider_ref, delivery.attempts) == ("pending", "", 1)
    assert operator.requests == []  # nothing left the building
