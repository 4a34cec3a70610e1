"""Issue the seal certificates of every office and the platform seal (idempotent)."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from certauth.services.seals import seals_seed


def _offices() -> list[tuple[str, str]]:
    """(TERC, name) of every office: from ``CERTAUTH_SEAL_OFFICES_PROVIDER`` (a dotted path to
    a callable) or, when unset, from the office registry model looked up at run time (certauth
    sits below ``offices`` and does not import it)."""
    provider = getattr(settings, "CERTAUTH_SEAL_OFFICES_PROVIDER", "")
    if provider:
        return [(str(t), str(n)) for t, n in import_string(provider)()]
    if apps.is_installed("offices"):
        office = apps.get_model("offices", "Office")
        return list(office.objects.order_by("terc").values_list("terc", "name"))
    return []


class Command(BaseCommand):
    help = "Issue the electronic seal of every office and the platform seal (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--terc", action="append", default=[], help="Only these offices.")

    def handle(self, *args, **options) -> None:
        offices = _offices()
        if options["terc"]:
            offices = [(t, n) for t, n in offices if t in set(options["terc"])]
        issued, existing = seals_seed(offices=offices)
        self.stdout.write(f"seals issued {issued}, already present {existing}")
