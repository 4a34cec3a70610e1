from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certauth.models import CertificateAuthority
from certauth.services.ceremony import ROOT_SLUG, ca_init


class Command(BaseCommand):
    help = "Key ceremony: create the root CA, the issuing CA, the OCSP responder and the TSA."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="Do nothing (exit 0) when the CA exists; create only missing parts.",
        )
        parser.add_argument(
            "--key-type",
            choices=["EC-P256", "EC-P384", "RSA-2048", "RSA-3072", "RSA-4096"],
            help="Key type for every new key (default: root EC-P384, others EC-P256).",
        )

    def handle(self, *args, **options) -> None:
        if (
            CertificateAuthority.objects.filter(slug=ROOT_SLUG).exists()
            and not options["if_missing"]
        ):
            raise CommandError("The CA is already initialised (use --if-missing to complete it).")
        result = ca_init(key_type=options["key_type"])
        for part in result.created:
            self.stdout.write(f"created {part}")
        for part in result.existing:
            self.stdout.write(f"exists {part}")
