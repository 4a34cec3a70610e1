"""``manage.py import_staff FILE [--dry-run] [--json] [--as EMAIL]``: the staff CSV import for
scripts. Refused whole (exit status 1, every bad row on stderr) when any row is bad."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sekap.accounts.models import User
from sekap.errors import DomainError

from ...staff_import import refused_lines, staff_import_apply, staff_import_preview


class Command(BaseCommand):
    help = "Create or update office staff and departments from a CSV file (see docs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Only check and preview.")
        parser.add_argument("--json", action="store_true", help="Print the plan as JSON.")
        parser.add_argument(
            "--as",
            dest="actor",
            default="",
            help="Import with this person's authority (their e-mail); the system's otherwise.",
        )

    def handle(self, *args, **options) -> None:
        content = options["file"].read_bytes()
        actor = None
        if options["actor"]:
            actor = User.objects.filter(email__iexact=options["actor"], is_active=True).first()
            if actor is None:
                raise CommandError(f"no active account {options['actor']}")
        plan = staff_import_preview(content=content, actor=actor)
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_json(), ensure_ascii=False, indent=2))
        if not plan.ok:
            for line in refused_lines(plan):
                self.stderr.write(line)
            raise CommandError(f"refused: {len(plan.errors)} bad row(s); nothing was changed")
        if options["dry_run"]:
            if not options["json"]:
                self.stdout.write(_summary(plan.summary) + " (dry run: nothing was changed)")
            return
        try:
            staff_import_apply(content=content, actor=actor, sha256=plan.sha256, digest=plan.digest)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if not options["json"]:
            self.stdout.write(_summary(plan.summary))


def _summary(summary: dict[str, int]) -> str:
    return (
        f"people: {summary['people_created']} created, {summary['people_changed']} changed, "
        f"{summary['people_unchanged']} unchanged, {summary['people_deactivated']} deactivated; "
        f"departments: {summary['departments_created']} created, "
        f"{summary['departments_renamed']} renamed"
    )
