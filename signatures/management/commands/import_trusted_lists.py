from __future__ import annotations

from pathlib import Path

from cryptography import x509
from django.core.management.base import BaseCommand, CommandError

from signatures.trusted_lists import NamedFile, import_trusted_lists
from signatures.trustlist import TrustedListError


def _certificates(path: Path) -> list[x509.Certificate]:
    data = path.read_bytes()
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


class Command(BaseCommand):
    help = (
        "Import trusted lists from files: the EU list of trusted lists (verified through the "
        "pivot LOTLs given, from the Official Journal's LOTL signing certificates) and the "
        "member-state lists it points to (e.g. Poland's), whose granted qualified services "
        "become trust anchors with their qualifications. Nothing is fetched."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--lotl", required=True, help="The EU LOTL (XML file).")
        parser.add_argument(
            "--oj-cert",
            action="append",
            required=True,
            help="LOTL signing certificate published in the Official Journal (PEM or DER); "
            "repeatable.",
        )
        parser.add_argument(
            "--pivot",
            action="append",
            default=[],
            help="A pivot LOTL named by the LOTL (XML file, its published file name); repeatable.",
        )
        parser.add_argument(
            "--tl",
            action="append",
            default=[],
            help="A member-state trusted list (XML file), e.g. Poland's; repeatable.",
        )

    def handle(self, *args, **options) -> None:
        try:
            oj = [c for p in options["oj_cert"] for c in _certificates(Path(p))]
            result = import_trusted_lists(
                lotl=Path(options["lotl"]).read_bytes(),
                pivots=[NamedFile(Path(p).name, Path(p).read_bytes()) for p in options["pivot"]],
                oj_certificates=oj,
                lists=[Path(p).read_bytes() for p in options["tl"]],
            )
        except (TrustedListError, OSError, ValueError) as exc:
            raise CommandError(f"Trusted lists rejected: {exc}") from None
        pivots = ", ".join(str(n) for n in result.pivots_followed) or "none"
        self.stdout.write(
            f"List of trusted lists #{result.lotl.sequence_number} verified "
            f"(pivots followed: {pivots})."
        )
        for tl in result.lists:
            self.stdout.write(
                f"{tl.territory} list #{tl.sequence_number}: "
                f"{result.imported[tl.territory]} qualified service certificates imported, "
                f"{result.deactivated[tl.territory]} no longer listed deactivated."
            )
