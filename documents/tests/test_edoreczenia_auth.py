"""The office's login at the e-Doręczenia operator (issue 11, item 4): OAuth 2.0 client
credentials with private_key_jwt (RFC 7523), the assertion signed by the office's seal key; the
local fake operator verifies the signature, ``aud``, ``exp`` and ``jti`` replay, and serves the
mailbox only with its token and only the client's own messages."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
import requests
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.cache import cache
from django.utils import timezone

from certauth.services.seals import office_seal
from documents.services.delivery import edoreczenia
from documents.services.delivery import edoreczenia_fake as fake
from documents.services.delivery.client_auth import (
    ASSERTION_TYPE,
    OfficeClient,
    b64url,
    thumbprint,
    token_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_fake():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def office_client(setup) -> OfficeClient:
    office = setup.office
    return OfficeClient(client_id=office.esp_address, terc=office.terc, name=office.name)


def session() -> requests.Session:
    s = requests.Session()
    s.mount(fake.FAKE_BASE, fake.FakeTransport())
    return s


def parts(assertion: str) -> tuple[dict, dict, bytes]:
    def dec(part: str) -> bytes:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

    head, body, sig = assertion.split(".")
    return json.loads(dec(head)), json.loads(dec(body)), dec(sig)


def login(form: dict) -> requests.Response:
    return session().post(fake.FAKE_TOKEN_URL, data=form)


def forged(form: dict, *, claims: dict | None = None, key=None) -> dict:
    """The same assertion with ``claims`` changed, signed with ``key`` (a stranger's EC key
    unless given), keeping the header (and so the registered certificate's thumbprint)."""
    header, body, _sig = parts(form["client_assertion"])
    body = {**body, **(claims or {})}
    key = key or ec.generate_private_key(ec.SECP256R1())
    signing_input = (
        f"{b64url(json.dumps({**header, 'alg': 'ES256'}).encode())}."
        f"{b64url(json.dumps(body).encode())}"
    ).encode()
    r, s = _rs(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return {**form, "client_assertion": f"{signing_input.decode()}.{b64url(r + s)}"}


def _rs(der: bytes) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big"), s.to_bytes(32, "big")


def test_the_assertion_is_signed_by_the_office_seal(office_client):
    form = token_request(client=office_client, token_url=fake.FAKE_TOKEN_URL)
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == ASSERTION_TYPE
    header, claims, signature = parts(form["client_assertion"])
    _key, chain = office_seal(terc=office_client.terc, name=office_client.name)
    assert header["typ"] == "JWT" and header["x5t#S256"] == thumbprint(chain[0])
    assert claims["iss"] == claims["sub"] == office_client.client_id
    assert claims["aud"] == fake.FAKE_TOKEN_URL
    assert 0 < claims["exp"] - claims["iat"] <= 120 and len(claims["jti"]) == 36
    # verified independently with the seal certificate's public key
    signing_input = form["client_assertion"].rsplit(".", 1)[0].encode()
    public = chain[0].public_key()
    if header["alg"] == "RS256":
        from cryptography.hazmat.primitives.asymmetric import padding

        public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        size = len(signature) // 2
        der = encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
        digest = hashes.SHA256() if header["alg"] == "ES256" else hashes.SHA384()
        public.verify(der, signing_input, ec.ECDSA(digest))
    answer = login(form)
    assert answer.status_code == 200, answer.text
    assert answer.json()["token_type"] == "Bearer" and answer.json()["expires_in"] == 300


def test_the_fake_operator_refuses_bad_assertions(office_client):
    def reason(form: dict) -> str:
        answer = login(form)
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_client"
        return answer.json()["error_description"]

    def fresh() -> dict:
        return token_request(client=office_client, token_url=fake.FAKE_TOKEN_URL)

    assert reason(forged(fresh())) == "signature"  # a stranger's key, the office's name
    assert reason({**fresh(), "client_assertion": "x.y"}) == "malformed assertion"
    stolen = fresh()
    assert login(stolen).status_code == 200
    assert reason(stolen) == "jti replayed"  # the same assertion twice
    assert reason(token_request(client=office_client, token_url="https://other.example/token")) == (
        "aud"
    )
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=10), tick=False):
        old = fresh()
    assert reason(old) == "exp"
    other = OfficeClient(client_id="AE:PL-00000-00000-ZZZZZ-00", terc="9999999", name="Nikt")
    form = fresh()
    assert reason({**form, "client_id": other.client_id}) == "iss/sub"
    assert reason({**fresh(), "client_assertion_type": "secret"}) == "client_assertion_type"
    # the office registered another certificate: its seal no longer logs it in
    stranger = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "inny")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(stranger.public_key())
        .serial_number(1)
        .not_valid_before(timezone.now() - dt.timedelta(days=1))
        .not_valid_after(timezone.now() + dt.timedelta(days=1))
        .sign(stranger, hashes.SHA256())
    )
    fake.register_client(office_client.client_id, certificate)
    assert reason(fresh()) == "x5t#S256"


def test_the_mailbox_needs_the_clients_own_token(setup, office_client):
    s = session()
    item = {
        "correlationId": "c-1",
        "sender": office_client.client_id,
        "recipients": [{"address": "AE:PL-12345-67890-ABCDE-12"}],
        "subject": "S",
        "attachments": [{"name": "a.xml", "content": base64.b64encode(b"<a/>").decode()}],
    }
    assert s.post(f"{fake.FAKE_BASE}/ua/v3/messages", json=item).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert s.post(f"{fake.FAKE_BASE}/ua/v3/messages", json=item, headers=bad).status_code == 401
    message_id = edoreczenia.send(
        edoreczenia.Outgoing(
            correlation_id="c-1",
            sender=office_client,
            recipient_ade="AE:PL-12345-67890-ABCDE-12",
            subject="S",
            document=b"<a/>",
            document_name="a.xml",
        )
    )
    assert [e.event for e in edoreczenia.evidences(message_id, client=office_client)] == [
        "SubmissionAcceptance",
        "ContentConsignment",
    ]
    # another office's token neither lists this message nor sends in this office's name
    from documents.tests.fixtures import make_service

    other = make_service(symbol="GK").office
    other_client = OfficeClient(client_id=other.esp_address, terc=other.terc, name=other.name)
    token = login(token_request(client=other_client, token_url=fake.FAKE_TOKEN_URL)).json()
    theirs = {"Authorization": f"Bearer {token['access_token']}"}
    listing = s.get(f"{fake.FAKE_BASE}/ua/v3/messages/{message_id}/evidences", headers=theirs)
    assert listing.status_code == 404
    sent = s.post(f"{fake.FAKE_BASE}/ua/v3/messages", json=item, headers=theirs)
    assert sent.status_code == 403


def test_an_expired_token_is_bought_again_once(office_client):
    send = edoreczenia.Outgoing(
        correlation_id="c-2",
        sender=office_client,
        recipient_ade="AE:PL-12345-67890-ABCDE-12",
        subject="S",
        document=b"<a/>",
        document_name="a.xml",
    )
    message_id = edoreczenia.send(send)
    from documents.services.delivery.client_auth import _cache_key

    held = cache.get(_cache_key(office_client, fake.FAKE_TOKEN_URL))
    assert held
    cache.delete(fake._key("token", held))  # the operator no longer knows the token (401)
    assert len(edoreczenia.evidences(message_id, client=office_client)) == 2
    assert cache.get(_cache_key(office_client, fake.FAKE_TOKEN_URL)) not in (None, held)
