"""The validator trusts the SEKAP CA out of the box, through settings that point at certauth."""

import pytest
from cryptography import x509
from django.utils.module_loading import import_string

from certauth.models import CertificateAuthority
from certauth.services.ceremony import ca_init
from signatures import services as signature_services

pytestmark = pytest.mark.django_db


def test_sekap_root_is_a_trust_anchor_and_the_issuing_ca_an_intermediate(settings, tmp_path):
    settings.CERTAUTH_PKI_DIR = str(tmp_path / "pki")
    ca_init(key_type="EC-P256")
    root = CertificateAuthority.objects.get(parent__isnull=True)
    issuing = CertificateAuthority.objects.get(parent=root)

    anchors = signature_services.trust_anchors()

    assert bytes(root.certificate_der) in anchors
    assert bytes(issuing.certificate_der) not in anchors
    extra = import_string(settings.SIGNATURES_EXTRA_CERTIFICATES_PROVIDER)()
    assert bytes(issuing.certificate_der) in extra
    assert (
        x509.load_der_x509_certificate(anchors[0]).subject
        == x509.load_der_x509_certificate(bytes(root.certificate_der)).subject
    )
