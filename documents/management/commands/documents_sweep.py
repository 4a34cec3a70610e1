"""Dispatch overdue intakes and unrendered UPO PDFs now (what the beat sweeper does).

Useful in the embedded mode (no beat) and after a broker outage.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from documents.services.intake import intake_sweep


class Command(BaseCommand):
    help = "Dispatch intakes whose due time has passed and UPO PDFs not yet rendered."

    def handle(self, *args, **options) -> None:
        counts = intake_sweep()
        self.stdout.write(f"intake {counts['intake']}, pdf {counts['pdf']}")
