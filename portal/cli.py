"""``sekap-sign``: the holder's command line, composed of certauth's ``keygen`` and
signatures' ``sign`` and ``verify`` (the two apps are siblings and do not know each other)."""

from __future__ import annotations

import argparse
import sys

from certauth import cli as certauth_cli
from signatures import cli as signatures_cli


def build_parser() -> argparse.ArgumentParser:
    parser = certauth_cli.build_parser()
    commands = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    signatures_cli.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", None) or args.func
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
