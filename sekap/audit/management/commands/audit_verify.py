from django.core.management.base import BaseCommand, CommandError

from sekap.audit.anchors import verify_anchors
from sekap.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the hash chain of the audit trail and the anchors kept off-host; exit 1 at the "
        "first broken link or at any anchor the chain no longer matches."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-anchors", action="store_true", help="Check the chain only, not the anchors."
        )

    def handle(self, *args, **options) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"Audit chain {broken.chain} broken at entry #{broken.seq}: {broken.reason}",
                returncode=1,
            )
        if options["skip_anchors"]:
            self.stdout.write("OK")
            return
        checked, problems = verify_anchors()
        if problems:
            lines = [f"Anchor {problem.name}: {problem.reason}" for problem in problems]
            raise CommandError("\n".join(lines), returncode=1)
        self.stdout.write(f"OK ({checked} anchors match)")
