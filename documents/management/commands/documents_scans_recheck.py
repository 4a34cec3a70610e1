"""Have clamd check the register scans stored before malware scanning was on (or while it was
off); what the beat task ``documents.tasks.scans_recheck`` does, for every due scan at once.

Idempotent: a scan is checked until it has an outcome, each outcome audited once. Exits with an
error when scanning is not configured or clamd stops answering (the rest stay due).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from documents.services.register import scans_recheck


class Command(BaseCommand):
    help = "Check with clamd the stored register scans that were never checked for malware."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=100_000, help="at most this many scans")

    def handle(self, *args, **options) -> None:
        counts = scans_recheck(limit=options["limit"])
        if not counts.enabled:
            raise CommandError("malware scanning is not configured (CLAMD_SOCKET or CLAMD_HOST)")
        self.stdout.write(f"clean {counts.clean}, malware {counts.malware}, left {counts.left}")
        if counts.stopped:
            raise CommandError("clamd stopped answering; the scans left stay due")
