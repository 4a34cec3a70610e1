from django.core.management.base import BaseCommand

from offices.catalogue import catalogue_seed


class Command(BaseCommand):
    help = "Offer the seed forms at the offices of the kinds that handle them (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Also update services already offered from the current seed data "
            "(texts, JRWA class, deadline, fees).",
        )

    def handle(self, *args, **options) -> None:
        changed = catalogue_seed(refresh=options["refresh"])
        self.stdout.write(f"Services: {changed} created or changed.")
