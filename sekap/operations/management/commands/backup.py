from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sekap.operations.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format, or SQLite's online backup) and the stored "
        "files, with a manifest of SHA-256 sums; remove backups older than --keep-days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", type=Path, help="where backups are kept (BACKUP_DIR)")
        parser.add_argument("--keep-days", type=int, help="days to keep (BACKUP_KEEP_DAYS)")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_create(directory=options["dir"], keep_days=options["keep_days"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.path} (database {result.database_bytes} bytes, {result.files} files"
            f"{', removed ' + ', '.join(result.removed) if result.removed else ''})"
        )
