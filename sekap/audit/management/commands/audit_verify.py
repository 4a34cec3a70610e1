from django.core.management.base import BaseCommand, CommandError

from sekap.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit 1 at the first broken link."

    def handle(self, *args, **options) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain broken at entry #{broken.seq}: {broken.reason}", returncode=1
            )
        self.stdout.write("OK")
