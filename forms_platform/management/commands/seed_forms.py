from django.core.management.base import BaseCommand

from forms_platform.seeding import seed_forms


class Command(BaseCommand):
    help = (
        "Publish the seed forms of forms_platform/seed/ (idempotent: unchanged forms are skipped)."
    )

    def handle(self, *args, **options):
        result = seed_forms(actor=None)
        self.stdout.write(
            f"created {len(result.created)}, updated {len(result.updated)}, "
            f"unchanged {len(result.unchanged)}"
        )
        for slug in result.created + result.updated:
            self.stdout.write(f"  published {slug}")
