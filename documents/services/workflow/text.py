"""A workflow version as lines of text, for the office admin's edit form:

    take: open -> formal_check [clerk]
    submit_for_approval: drafting -> approval [clerk] {decision_draft}

one step per line (``code: from, from -> to [roles] {conditions}``), plus the states whose
legal clock stops and the final states, chosen separately.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .definition import START, Definition, DefinitionInvalid, definition_parse

_LINE = re.compile(
    r"^(?P<code>[a-z0-9_]+)\s*:\s*(?P<sources>[a-z_,\s]+?)\s*->\s*(?P<target>[a-z_]+)\s*"
    r"\[(?P<roles>[a-z_,\s]+)\]\s*(?:\{(?P<requires>[a-z_,\s]*)\})?$"
)


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def definition_to_text(definition: Definition) -> str:
    lines = []
    for t in definition.transitions.values():
        line = f"{t.code}: {', '.join(t.sources)} -> {t.target} [{', '.join(t.roles)}]"
        if t.requires:
            line += " {" + ", ".join(t.requires) + "}"
        lines.append(line)
    return "\n".join(lines)


def definition_from_text(*, text: str, stopped: set[str], final: set[str]) -> Definition:
    """Read the lines (``DefinitionInvalid`` with every problem, line by line)."""
    errors: list[str] = []
    transitions: list[dict] = []
    states: list[str] = [START]
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(
                _("Line %(n)s is not written as “step: from, from -> to [roles] {conditions}”.")
                % {"n": number}
            )
            continue
        sources = _names(match["sources"])
        transitions.append(
            {
                "code": match["code"],
                "from": sources,
                "to": match["target"],
                "roles": _names(match["roles"]),
                "requires": _names(match["requires"]),
            }
        )
        states += [s for s in [*sources, match["target"]] if s not in states]
    if errors:
        raise DefinitionInvalid(errors)
    data = {
        "states": [
            {
                "code": code,
                "clock": code not in stopped and code not in final,
                "terminal": code in final,
            }
            for code in states
        ],
        "transitions": transitions,
    }
    return definition_parse(data)
