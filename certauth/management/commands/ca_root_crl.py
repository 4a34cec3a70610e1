"""Sign the root CA's next CRL with its offline key (part of an offline ceremony)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certauth import keys
from certauth.services.ceremony import root_crl_sign

from .ca_root_offline import read_passphrase


class Command(BaseCommand):
    help = "Sign and publish the root CA's CRL with the offline root key."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--key", required=True, help="The offline root key file.")
        parser.add_argument(
            "--passphrase-env",
            default="CA_ROOT_OFFLINE_PASSPHRASE",
            help="Environment variable holding the offline passphrase (else it is asked for).",
        )

    def handle(self, *args, **options) -> None:
        passphrase = read_passphrase(options["passphrase_env"], confirm=False)
        try:
            full, _delta = root_crl_sign(key_path=options["key"], passphrase=passphrase)
        except (keys.KeyCustodyError, ValueError, OSError) as error:
            raise CommandError(f"The root CRL was not signed: {error}") from error
        self.stdout.write(
            f"root CRL {full.number} published, next update {full.next_update.isoformat()}"
        )
