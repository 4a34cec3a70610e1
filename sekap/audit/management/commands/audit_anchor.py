from django.core.management.base import BaseCommand, CommandError

from sekap.audit.anchors import AnchorError, anchor_heads


class Command(BaseCommand):
    help = (
        "Time-stamp the head of every audit chain with the platform's TSA and write the anchors "
        "to the audit_anchors storage (off-host)."
    )

    def handle(self, *args, **options) -> None:
        try:
            anchors = anchor_heads()
        except AnchorError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        for anchor in anchors:
            self.stdout.write(
                f"chain {anchor.chain} entry #{anchor.seq} {anchor.hash} -> {anchor.name}"
            )
        if not anchors:
            self.stdout.write("No audit entries yet: nothing to anchor.")
