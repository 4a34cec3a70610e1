import datetime as dt

from django.core.management.base import BaseCommand

from sekap.storage import COLLECT_GRACE, unreferenced_documents_collect


class Command(BaseCommand):
    help = (
        "Delete the stored documents that no row names any more and that are older than the "
        "grace period (hours; default 24): an object stored just before its row's transaction "
        "commits is never deleted."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--grace-hours", type=float, default=COLLECT_GRACE.total_seconds() / 3600
        )

    def handle(self, *args, **options) -> None:
        grace = dt.timedelta(hours=options["grace_hours"])
        deleted = unreferenced_documents_collect(grace=grace)
        self.stdout.write(f"{deleted} unreferenced documents deleted")
