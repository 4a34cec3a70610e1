"""Set up a fresh installation: the CA key ceremony, the form repository, the catalogue."""

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand

# (command, arguments) in dependency order; each step is idempotent.
STEPS = [
    ("seed_offices", []),
    ("ca_init", ["--if-missing"]),
    ("seed_seals", []),
    ("seed_forms", []),
    ("seed_services", []),
    ("seed_payments", []),
]


class Command(BaseCommand):
    help = "Run every idempotent set-up step of a fresh installation."

    def handle(self, *args, **options) -> None:
        available = get_commands()
        for name, arguments in STEPS:
            if name not in available:
                raise SystemExit(f"set-up step {name} is missing")
            call_command(name, *arguments)
