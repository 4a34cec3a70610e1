"""``manage.py import_statement FILE [--dry-run] [--json]``: import a bank statement file.

Detects the format (MT940 or camt.053), matches the credits to payment orders and prints a
summary; with ``--json`` one JSON object (``format``, ``credits``, ``total_grosze``,
``matched``, ``unmatched`` and more). A malformed file is refused with its line and the reason,
exit status 1, and nothing is changed; ``--dry-run`` computes everything and keeps nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.services.reconciliation import statement_import
from payments.statements import StatementRejected


def _pln(grosze: int) -> str:
    return f"{grosze // 100}.{grosze % 100:02d} PLN"


class Command(BaseCommand):
    help = "Import a bank statement (MT940 or camt.053) and match its credits to payment orders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Compute and keep nothing.")
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        try:
            result = statement_import(data=data, file_name=path.name, dry_run=options["dry_run"])
        except StatementRejected as exc:
            if options["json"]:
                self.stdout.write(
                    json.dumps({"error": exc.reason, "line": exc.line, "file": str(path)})
                )
            raise CommandError(f"{path}: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
            return
        prefix = "[dry run] " if result.dry_run else ""
        self.stdout.write(
            f"{prefix}{path.name}: {result.format} ({result.encoding}), "
            f"{result.statements} statement(s), {result.credits} credit(s) "
            f"totalling {_pln(result.total_grosze)}; matched {result.matched}, "
            f"unmatched {result.unmatched}, already imported {result.duplicates}, "
            f"orders settled {result.settled}, partial {result.partial}, "
            f"surplus {_pln(result.surplus_grosze)}"
        )
