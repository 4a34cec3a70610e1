"""Take the root CA key offline after the key ceremony (the issuing CA stays online)."""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from certauth import keys
from certauth.services.ceremony import root_take_offline


def read_passphrase(env: str, *, confirm: bool) -> bytes:
    value = os.environ.get(env, "")
    if not value:
        value = getpass.getpass("Offline passphrase: ")
        if confirm and getpass.getpass("Repeat it: ") != value:
            raise CommandError("The passphrases differ.")
    return value.encode()


class Command(BaseCommand):
    help = (
        "Export the root CA key, encrypted, to an offline file, sign a long-lived root CRL and "
        "remove the key from the online store."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--export", required=True, help="New file for the key (offline media).")
        parser.add_argument(
            "--passphrase-env",
            default="CA_ROOT_OFFLINE_PASSPHRASE",
            help="Environment variable holding the offline passphrase (else it is asked for).",
        )

    def handle(self, *args, **options) -> None:
        passphrase = read_passphrase(options["passphrase_env"], confirm=True)
        try:
            ref = root_take_offline(export_to=options["export"], passphrase=passphrase)
        except (keys.KeyCustodyError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"root key exported to {options['export']} and removed online ({ref})")
