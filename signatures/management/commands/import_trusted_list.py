from __future__ import annotations

from pathlib import Path

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from signatures import pkix, services
from signatures.models import TrustedCertificate, TrustedListImport
from signatures.trustlist import TrustedListError, parse_trusted_list


def _load(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


class Command(BaseCommand):
    help = (
        "Import an ETSI TS 119 612 trusted list: verify its signature against the pinned "
        "list-signer certificate(s), then trust its granted CA/QC and TSA/QTST certificates."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--signer-cert",
            action="append",
            required=True,
            help="Pinned list-signer certificate (PEM or DER); repeat for key rotation.",
        )

    def handle(self, *args, **options) -> None:
        signers = []
        for path in options["signer_cert"]:
            signers += _load(Path(path))
        try:
            tl = parse_trusted_list(Path(options["file"]).read_bytes(), signer_certificates=signers)
        except (TrustedListError, OSError) as exc:
            raise CommandError(f"Trusted list rejected: {exc}") from None
        last = (
            TrustedListImport.objects.filter(territory=tl.territory)
            .order_by("-sequence_number")
            .first()
        )
        if last and last.sequence_number > tl.sequence_number:
            raise CommandError(
                f"Older list (sequence {tl.sequence_number}) than the one imported "
                f"({last.sequence_number})."
            )
        with transaction.atomic():
            count = 0
            for service in tl.services:
                services.trusted_certificate_add(
                    certificate=service.der,
                    label=f"{tl.territory}: {service.name}"[:200],
                    actor=None,
                    source=TrustedCertificate.Source.TRUSTED_LIST,
                    service_type=service.service_type,
                )
                count += 1
            TrustedListImport.objects.create(
                territory=tl.territory,
                sequence_number=tl.sequence_number,
                issue_date_time=tl.issue_date_time,
                next_update=tl.next_update,
                signer_sha256=pkix.fingerprint(tl.signer),
                document_sha256=tl.document_sha256,
                certificates_imported=count,
            )
        self.stdout.write(
            f"Imported {count} certificates from the {tl.territory} list #{tl.sequence_number}."
        )
