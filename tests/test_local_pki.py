"""The validator answers the platform's own PKI addresses in-process, never over HTTP to itself
(``SIGNATURES_LOCAL_PKI_PROVIDER``); other addresses still go to the HTTP fetcher."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.core.management import call_command
from django.utils import timezone

from certauth.local_pki import NotServed, local_pki_response
from certauth.models import Certificate
from certauth.services import crl as crl_services
from certauth.services.revocation import certificate_revoke
from documents.models import Stage, Submission
from documents.tests.fixtures import NoNetwork, make_citizen
from portal.tests.fixtures import _catalogue_rows, ca, catalogue, pki_dir, sekap_trust  # noqa: F401
from signatures import pkix
from signatures import services as signatures

pytestmark = pytest.mark.django_db

XML = b"<Wniosek><Tresc>Prosze o wydanie zaswiadczenia.</Tresc></Wniosek>"


def _ocsp_request(citizen) -> bytes:
    cert, issuer = citizen.chain[0], citizen.chain[1]
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1()).build()  # noqa: S303
    return request.public_bytes(serialization.Encoding.DER)


def _leaf_revocation(report, citizen) -> list:
    leaf = citizen.chain[0].fingerprint(hashes.SHA256()).hex()
    return [r for r in report.signatures[0].revocation if r.certificate_sha256 == leaf]


def test_sekap_signature_validates_with_no_server_and_no_network(ca, sekap_trust):  # noqa: F811
    citizen = make_citizen(ca, pesel="44051401359")
    network = sekap_trust.fetcher.fallback
    assert isinstance(network, NoNetwork)

    report = signatures.validate(citizen.sign(XML))

    assert report.indication == "TOTAL_PASSED", report.to_dict()
    print([(r.source, r.origin, r.url, r.status) for r in report.signatures[0].revocation])
    revocation = _leaf_revocation(report, citizen)
    # The platform's CRL, read in-process (a new signer of a validated CA: signatures/leaf.py).
    assert [(r.source, r.origin, r.status) for r in revocation] == [("CRL", "FETCHED", "GOOD")]
    assert sekap_trust.fetch_count >= 1 and network.calls == []


def test_revoked_sekap_certificate_is_reported_revoked_in_process(
    ca,  # noqa: F811
    sekap_trust,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    citizen = make_citizen(ca, pesel="44051401359")
    signed_before = citizen.sign(XML)  # claimed signing time: now
    row = Certificate.objects.get(holder=citizen.user)
    # the revocation and the second signature seconds later (revocation times have whole
    # seconds: in the same second the claimed time would not be before the revocation)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5), tick=True):
        with django_capture_on_commit_callbacks(execute=True):  # the CA publishes its CRL
            certificate_revoke(certificate=row, reason="key_compromise", actor=citizen.user)
        signed_after = citizen.sign(XML)
        before, after = signatures.validate(signed_before), signatures.validate(signed_after)

    # made before the revocation, with no proof of that time: indeterminate (EN 319 102-1)
    assert (before.indication, before.sub_indication) == ("INDETERMINATE", "REVOKED_NO_POE")
    # claimed after the revocation: failed
    assert (after.indication, after.sub_indication) == ("TOTAL_FAILED", "REVOKED")
    for report in (before, after):
        revocation = _leaf_revocation(report, citizen)
        assert [(r.source, r.status) for r in revocation] == [("OCSP", "REVOKED")]
    assert sekap_trust.fetcher.fallback.calls == []


def test_foreign_addresses_are_declined_and_go_to_http(ca, settings):  # noqa: F811
    settings.SITE_URL = "https://sekap.example"
    for url in (
        "http://ocsp.certum.pl/pki/ocsp",
        "http://127.0.0.1:8001/pki/ocsp",  # the platform's host, another port
        "https://sekap.example.evil.example/pki/ocsp",
        "ftp://127.0.0.1:8000/pki/ocsp",
    ):
        assert local_pki_response("POST", url, b"x", "application/ocsp-request") is None
    network = NoNetwork()
    fetcher = pkix.LocalFirstFetcher(local_pki_response, network)
    with pytest.raises(pkix.FetchError):
        fetcher.get("http://crl.certum.pl/ctnca.crl")
    assert network.calls == ["http://crl.certum.pl/ctnca.crl"]


def test_own_addresses_give_exactly_what_the_endpoints_serve(ca, sekap_trust, client):  # noqa: F811
    citizen = make_citizen(ca, pesel="44051401359")
    crl_services.crl_publish(ca=ca)
    base = "http://127.0.0.1:8000"
    for path in (f"/pki/ca/{ca.slug}.crt", f"/pki/crl/{ca.slug}.crl"):
        assert local_pki_response("GET", f"{base}{path}", b"", "") == client.get(path).content
    request = _ocsp_request(citizen)
    served = local_pki_response("POST", f"{base}/pki/ocsp", request, "application/ocsp-request")
    over_http = client.post("/pki/ocsp", data=request, content_type="application/ocsp-request")
    assert served == over_http.content
    assert ocsp.load_der_ocsp_response(served).certificate_status == ocsp.OCSPCertStatus.GOOD
    # an address of ours with nothing behind it is a failure, not a call to ourselves
    for path in ("/pki/crl/no-such-ca.crl", "/pki/nothing", "/"):
        with pytest.raises(NotServed):
            local_pki_response("GET", f"{base}{path}", b"", "")


def test_certificates_issued_under_an_earlier_address_are_still_answered_here(ca, settings):  # noqa: F811
    """The prefix the CA wrote at its ceremony (recorded in the CA certificates) stays ours
    after the public address changes."""
    root = ca.parent
    settings.CERTAUTH_BASE_URL = ""
    settings.SITE_URL = "https://sekap.example"
    old = f"http://127.0.0.1:8000/pki/ca/{root.slug}.crt"
    assert local_pki_response("GET", old, b"", "") == bytes(root.certificate_der)
    new = f"https://sekap.example/pki/ca/{root.slug}.crt"
    assert local_pki_response("GET", new, b"", "") == bytes(root.certificate_der)


def test_seed_demo_files_a_processed_application_with_no_server(settings, tmp_path, ca, catalogue):  # noqa: F811
    """``make run`` seeds before the server starts: the demo application's signature is checked
    (revocation answered in-process) and its case is opened."""
    from forms_platform.seeding import seed_forms
    from offices.catalogue import catalogue_seed
    from portal.management.commands.seed_demo import DEMO_APPLICATIONS

    seed_forms(only={slug for _email, _terc, slug in DEMO_APPLICATIONS})
    catalogue_seed()
    settings.VAR_DIR = tmp_path
    signatures.reset_environment()
    signatures.environment().fetcher.fallback = network = NoNetwork()
    call_command("seed_demo")

    submissions = list(Submission.objects.all())
    assert len(submissions) == len(DEMO_APPLICATIONS)
    for submission in submissions:
        assert submission.signature_indication == "TOTAL_PASSED", submission.signature_report
        assert submission.stage >= Stage.CASE_OPENED and submission.case is not None
    assert network.calls == []
