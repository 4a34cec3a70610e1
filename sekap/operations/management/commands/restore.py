from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sekap.operations.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into this empty installation (a database created empty, before "
        "migrate; an empty file storage), then verify the audit chains and the stored documents."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup", type=Path, help="the backup directory")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(path=options["backup"])
        except BackupError as exc:
            raise CommandError(f"Not restored: {exc}", returncode=2) from exc
        if result.problems:
            lines = "\n".join(result.problems)
            raise CommandError(f"Restored, but the verification failed:\n{lines}", returncode=1)
        self.stdout.write(f"Restored {result.path} ({result.files} files); verified.")
