from django.core.management.base import BaseCommand

from offices.services import departments_seed_defaults, offices_load_csv


class Command(BaseCommand):
    help = "Load the 54 offices from offices/data/offices.csv and their standard departments."

    def handle(self, *args, **options) -> None:
        result = offices_load_csv()
        departments = departments_seed_defaults()
        self.stdout.write(
            f"Offices: {result.created} created, {result.updated} updated, "
            f"{result.renamed} given names and addresses from the data file; "
            f"departments: {departments} created."
        )
