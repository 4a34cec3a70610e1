"""Machine tokens for the ESP pull API: list, issue, revoke (each issue/revocation audited).

    manage.py esp_token list [--office TERC]
    manage.py esp_token issue --office TERC --name "EZD serwer"
    manage.py esp_token revoke ID

The secret is printed once by ``issue`` and never stored (only its SHA-256 is).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from documents.models import EspToken
from documents.services import esp_token_issue, esp_token_revoke
from offices.selectors import office_by_terc


class Command(BaseCommand):
    help = "List, issue or revoke ESP machine tokens of an office."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="List tokens.")
        listing.add_argument("--office", help="TERC code of one office.")
        issue = sub.add_parser("issue", help="Issue a token; prints the secret once.")
        issue.add_argument("--office", required=True, help="TERC code of the office.")
        issue.add_argument("--name", required=True, help="What uses it (e.g. the EZD server).")
        revoke = sub.add_parser("revoke", help="Revoke a token at once.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _office(self, terc: str):
        office = office_by_terc(terc)
        if office is None:
            raise CommandError(f"No office with TERC {terc}.")
        return office

    def _list(self, options) -> None:
        tokens = EspToken.objects.select_related("office").order_by("office__terc", "pk")
        if options.get("office"):
            tokens = tokens.filter(office=self._office(options["office"]))
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            used = timezone.localtime(token.last_used_at).isoformat() if token.last_used_at else "-"
            self.stdout.write(
                f"{token.pk}\t{token.office.terc}\t{state}\t{token.prefix}…\t"
                f"last used {used}\t{token.name}"
            )

    def _issue(self, options) -> None:
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name.")
        token, secret = esp_token_issue(
            office=self._office(options["office"]), name=name, actor=None
        )
        self.stdout.write(f"token {token.pk} for {token.office.terc} ({token.name}):")
        self.stdout.write(secret)
        self.stderr.write("Store it now: it is not shown again. Use: Authorization: Bearer <token>")

    def _revoke(self, options) -> None:
        token = EspToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"No token {options['id']}.")
        token = esp_token_revoke(token=token, actor=None)
        self.stdout.write(f"token {token.pk} revoked at {token.revoked_at.isoformat()}")
