"""Seed the tariff, fee rules and (demo) fee accounts; idempotent."""

from django.core.management.base import BaseCommand

from payments.services.seed import payments_seed


class Command(BaseCommand):
    help = "Seed the fee tariff, fee rules of the seed services and the offices' fee accounts."

    def handle(self, *args, **options) -> None:
        counts = payments_seed()
        self.stdout.write(", ".join(f"{name}: {n} created" for name, n in counts.items()))
