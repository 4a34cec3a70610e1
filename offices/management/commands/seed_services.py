from django.core.management.base import BaseCommand

from offices.catalogue import catalogue_seed


class Command(BaseCommand):
    help = "Offer the seed forms at the offices of the kinds that handle them (idempotent)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Services: {catalogue_seed()} created.")
