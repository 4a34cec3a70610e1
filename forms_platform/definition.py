"""Form definitions: steps of fields, kept as JSON in each form version.

::

    {"format": 1,
     "steps": [{"key": "wnioskodawca", "title": "Wnioskodawca",
                "fields": [{"name": "Wnioskodawca", "type": "person", "label": "Dane osoby",
                            "required": true, "require_pesel": true, "with_address": true},
                           {"name": "Uzasadnienie", "type": "textarea", "label": "...",
                            "visible_if": "Rodzaj == \\"inne\\"", "required_if": "..."}]}]}

A field's ``name`` is its XML element name inside ``TrescDokumentu`` and its key in the form
data. Labels, hints and step titles are either a Polish string or ``{"pl": ..., "en": ...}``.
Rules (``visible_if``, ``required_if``) may read only fields that come earlier in the form
(for a group's child: earlier siblings or earlier top-level fields), so one pass in form
order settles every rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import fieldtypes, rules
from .constants import DEFINITION_FORMAT
from .sniff import KINDS

NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]{0,63}$")
STEP_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")
RESERVED_NAMES = {"Zalaczniki", "Wartosc", "Plik", "OpisDokumentu", "DaneDokumentu"}
MAX_ATTACHMENT_SIZE = 50 * 1024 * 1024


def text_of(value: Any, language: str | None = None) -> str:
    """A label in the active language, falling back to Polish."""
    if isinstance(value, dict):
        language = (language or get_language() or "pl")[:2]
        return str(value.get(language) or value.get("pl") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def empty_definition() -> dict:
    return {"format": DEFINITION_FORMAT, "steps": []}


def iter_fields(definition: dict) -> Iterator[dict]:
    """Top-level fields in form order (groups are yielded, not their children)."""
    for step in definition.get("steps", []):
        yield from step.get("fields", [])


def iter_all_fields(definition: dict) -> Iterator[tuple[dict | None, dict]]:
    """(group or None, field) for every field, children after their group."""
    for spec in iter_fields(definition):
        yield None, spec
        if spec.get("type") == "group":
            for child in spec.get("fields", []):
                yield spec, child


def find_field(definition: dict, name: str) -> dict | None:
    for spec in iter_fields(definition):
        if spec.get("name") == name:
            return spec
    return None


@lru_cache(maxsize=4096)
def _compiled(text: str) -> dict:
    return rules.compile_rule(text)


def compiled_rule(text: str | None) -> dict | None:
    if not text or not str(text).strip():
        return None
    return _compiled(str(text))


def unconditionally_required(spec: dict) -> bool:
    return bool(spec.get("required")) and not spec.get("visible_if")


def check_definition(definition: Any) -> list[str]:
    """Everything wrong with a definition, in words a designer understands (empty = fine)."""
    problems: list[str] = []
    if not isinstance(definition, dict) or not isinstance(definition.get("steps"), list):
        return [_("The definition must be an object with a list of steps.")]
    if definition.get("format", DEFINITION_FORMAT) != DEFINITION_FORMAT:
        problems.append(_("Unknown definition format %(f)s.") % {"f": definition.get("format")})
    if not definition["steps"]:
        problems.append(_("The form has no steps."))
    step_keys: set[str] = set()
    seen: set[str] = set()
    for index, step in enumerate(definition["steps"], start=1):
        if not isinstance(step, dict):
            problems.append(_("Step %(n)d is not an object.") % {"n": index})
            continue
        key = step.get("key", "")
        if not STEP_KEY_RE.match(str(key)):
            problems.append(
                _("Step %(n)d: the key must be lower-case letters, digits, - or _.") % {"n": index}
            )
        elif key in step_keys:
            problems.append(_("Step key %(key)s is used twice.") % {"key": key})
        step_keys.add(str(key))
        if not text_of(step.get("title")).strip():
            problems.append(_("Step %(n)d has no title.") % {"n": index})
        fields = step.get("fields")
        if not isinstance(fields, list) or not fields:
            problems.append(_("Step %(n)d has no fields.") % {"n": index})
            continue
        for spec in fields:
            problems += _check_field(spec, seen, group=None)
    return problems


def _check_field(spec: Any, seen: set[str], group: dict | None) -> list[str]:
    if not isinstance(spec, dict):
        return [_("A field is not an object.")]
    name = str(spec.get("name", ""))
    where = f"{group['name']}.{name}" if group else name
    problems: list[str] = []
    if not NAME_RE.match(name) or name in RESERVED_NAMES:
        problems.append(
            _(
                "Field %(name)s: the name must start with a capital letter and contain only "
                "letters A-Z and digits (it becomes an XML element name)."
            )
            % {"name": name or "?"}
        )
    scope = seen if group is None else group.setdefault("_seen", set())
    if name in scope:
        problems.append(_("Field name %(name)s is used twice.") % {"name": where})
    ftype = spec.get("type")
    if ftype not in fieldtypes.REGISTRY:
        problems.append(
            _("Field %(name)s has an unknown type %(type)s.") % {"name": where, "type": ftype}
        )
        scope.add(name)
        return problems
    if not text_of(spec.get("label")).strip():
        problems.append(_("Field %(name)s has no label.") % {"name": where})
    for key in ("visible_if", "required_if"):
        text = spec.get(key)
        if not text:
            continue
        try:
            tree = rules.compile_rule(str(text))
        except rules.RuleSyntaxError as exc:
            problems.append(
                _("Field %(name)s: the rule “%(rule)s” is not valid: %(error)s.")
                % {"name": where, "rule": text, "error": exc}
            )
            continue
        known = scope | (seen if group is not None else set())
        for ref in sorted(rules.referenced_fields(tree) - known):
            problems.append(
                _("Field %(name)s: the rule reads %(ref)s, which is not an earlier field.")
                % {"name": where, "ref": ref}
            )
    if ftype in ("choice", "multichoice"):
        values = [str(o.get("value", "")) for o in spec.get("options", []) if isinstance(o, dict)]
        if not values:
            problems.append(_("Field %(name)s has no options to choose from.") % {"name": where})
        if (
            len(set(values)) != len(values)
            or any(not v.strip() for v in values)
            or any(ch in v for v in values for ch in "'\"<>&")
        ):
            problems.append(
                _(
                    "Field %(name)s: option values must be unique, not empty and without "
                    "quotes or <>&."
                )
                % {"name": where}
            )
    if ftype == "number" or ftype == "money":
        low, high = spec.get("min_value"), spec.get("max_value")
        if low is not None and high is not None and float(low) > float(high):
            problems.append(
                _("Field %(name)s: the minimum is greater than the maximum.") % {"name": where}
            )
    if ftype == "attachment":
        if group is not None:
            problems.append(
                _("Field %(name)s: attachments cannot be inside a repeating group.")
                % {"name": where}
            )
        allowed = spec.get("allowed_types") or fieldtypes.DEFAULT_ALLOWED
        unknown = [k for k in allowed if k not in KINDS or k in ("exe", "elf", "unknown")]
        if unknown:
            problems.append(
                _("Field %(name)s: unknown file types %(types)s.")
                % {"name": where, "types": ", ".join(map(str, unknown))}
            )
        size = int(spec.get("max_size") or fieldtypes.DEFAULT_MAX_SIZE)
        if not 0 < size <= MAX_ATTACHMENT_SIZE:
            problems.append(
                _("Field %(name)s: the size limit must be between 1 byte and 50 MB.")
                % {"name": where}
            )
        if int(spec.get("max_files") or 1) < 1:
            problems.append(
                _("Field %(name)s: at least one file must be allowed.") % {"name": where}
            )
    if ftype == "group":
        if group is not None:
            problems.append(_("Field %(name)s: groups cannot be nested.") % {"name": where})
        low = int(spec.get("min_items") or 0)
        high = int(spec.get("max_items") or 1)
        if high < 1 or low < 0 or low > high:
            problems.append(
                _(
                    "Field %(name)s: the number of items must allow at least one and "
                    "minimum ≤ maximum."
                )
                % {"name": where}
            )
        children = spec.get("fields")
        if not isinstance(children, list) or not children:
            problems.append(_("Group %(name)s has no fields.") % {"name": where})
        else:
            holder: dict = {"name": name}
            for child in children:
                problems += _check_field(child, seen, group=holder)
    scope.add(name)
    return problems
