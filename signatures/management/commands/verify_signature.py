from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from signatures import services
from signatures.cli import exit_code, render_text


class Command(BaseCommand):
    help = "Validate the XAdES signatures of an XML file. Exit 0 passed, 1 failed, 2 indeterminate."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true", help="Print the JSON report.")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        report = services.validate(path.read_bytes())
        self.stdout.write(
            report.to_json(indent=2) if options["json"] else render_text(report).rstrip("\n")
        )
        code = exit_code(report.indication)
        if code:
            sys.exit(code)
