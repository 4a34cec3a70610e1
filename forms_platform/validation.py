"""Server-side validation of form data: the authority on what a citizen may submit."""

from __future__ import annotations

import datetime as dt
from collections import ChainMap
from collections.abc import Mapping
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import fieldtypes, rules
from .definition import compiled_rule, iter_all_fields, iter_fields, text_of

_MONEY: ContextVar[frozenset[str]] = ContextVar("forms_platform_money_fields", default=frozenset())

Errors = dict[str, list[str]]


def clean_data(
    definition: dict,
    data: Mapping[str, Any] | None,
    files: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
    context: Mapping[str, Any] | None = None,
) -> tuple[dict, Errors]:
    """Return (canonical data, errors by field path).

    Canonical data holds only visible, non-empty values, typed as described in
    ``fieldtypes``. Error paths are ``Field``, ``Field.pesel``, ``Field.address.city``,
    ``Group.0.Child``. ``context`` holds already cleaned values of fields outside
    ``definition`` (earlier steps) that rules may read; they are not returned.
    """
    ctx = fieldtypes.Context(today=today)
    _MONEY.set(
        frozenset(
            spec["name"]
            for _group, spec in iter_all_fields(definition)
            if spec.get("type") == "money"
        )
    )
    data = data or {}
    files = files or {}
    cleaned: dict[str, Any] = dict(context or {})
    errors: Errors = {}
    for spec in iter_fields(definition):
        name = spec["name"]
        raw = (
            files.get(name) if spec["type"] == "attachment" and files.get(name) else data.get(name)
        )
        cleaned.pop(name, None)
        _clean_one(spec, raw, cleaned, cleaned, errors, name, ctx)
    own = {spec["name"] for spec in iter_fields(definition)}
    return {k: v for k, v in cleaned.items() if k in own}, errors


def validate_data(
    definition: dict,
    data: Mapping[str, Any] | None,
    files: Mapping[str, Any] | None = None,
    *,
    today: dt.date | None = None,
) -> Errors:
    return clean_data(definition, data, files, today=today)[1]


def _rule_lookup(lookup: Mapping[str, Any]):
    """Values as rules see them: money in złoty (rules are written in złoty, data is grosze)."""
    money = _MONEY.get()

    def get(name: str) -> Any:
        value = lookup.get(name)
        if name in money and isinstance(value, int):
            return Decimal(value) / 100
        return value

    return get


def _visible(spec: dict, lookup: Mapping[str, Any]) -> bool:
    tree = compiled_rule(spec.get("visible_if"))
    return tree is None or rules.evaluate(tree, _rule_lookup(lookup))


def _required(spec: dict, lookup: Mapping[str, Any]) -> tuple[bool, bool]:
    """(required, required because of a condition)."""
    if spec.get("required"):
        return True, False
    tree = compiled_rule(spec.get("required_if"))
    if tree is not None and rules.evaluate(tree, _rule_lookup(lookup)):
        return True, True
    return False, False


def _add(errors: Errors, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _clean_one(
    spec: dict,
    raw: Any,
    target: dict,
    lookup: Mapping[str, Any],
    errors: Errors,
    path: str,
    ctx: fieldtypes.Context,
) -> None:
    if not _visible(spec, lookup):
        return
    required, conditional = _required(spec, lookup)
    if spec["type"] == "group":
        _clean_group(spec, raw, target, lookup, errors, path, ctx, required, conditional)
        return
    ftype = fieldtypes.get(spec["type"])
    value, issues = ftype.coerce(spec, raw, ctx)
    for suffix, message in issues:
        _add(errors, f"{path}.{suffix}" if suffix else path, message)
    if fieldtypes.is_empty(value):
        if required and not issues:
            _add(errors, path, _required_message(conditional))
        return
    if not issues:
        target[spec["name"]] = value


def _required_message(conditional: bool) -> str:
    if conditional:
        return _("This field is required because of your earlier answers.")
    return _("This field is required.")


def _item_has_input(item: Any) -> bool:
    if isinstance(item, dict):
        return any(_item_has_input(v) for v in item.values())
    if isinstance(item, list):
        return any(_item_has_input(v) for v in item)
    return not (item is None or (isinstance(item, str) and not item.strip()))


def _clean_group(
    spec: dict,
    raw: Any,
    target: dict,
    lookup: Mapping[str, Any],
    errors: Errors,
    path: str,
    ctx: fieldtypes.Context,
    required: bool,
    conditional: bool,
) -> None:
    if isinstance(raw, dict):  # {"0": {...}, "1": {...}} from some clients
        raw = [raw[k] for k in sorted(raw, key=lambda k: int(k) if str(k).isdigit() else 0)]
    if not isinstance(raw, list | tuple):
        raw = []
    known = {child["name"] for child in spec.get("fields", [])}
    items = [
        item
        for item in raw
        if isinstance(item, dict) and _item_has_input({k: item[k] for k in known & item.keys()})
    ]
    minimum = int(spec.get("min_items") or 0)
    maximum = int(spec.get("max_items") or 1)
    if len(items) > maximum:
        _add(
            errors,
            path,
            ngettext(
                "You can add at most %(max)d item here (you added %(n)d).",
                "You can add at most %(max)d items here (you added %(n)d).",
                maximum,
            )
            % {"max": maximum, "n": len(items)},
        )
        return
    if not items and required:
        _add(errors, path, _required_message(conditional))
        return
    if (items and len(items) < minimum) or (required and len(items) < minimum):
        _add(
            errors,
            path,
            ngettext("Add at least %(min)d item.", "Add at least %(min)d items.", minimum)
            % {"min": minimum},
        )
    cleaned_items: list[dict] = []
    for index, item in enumerate(items):
        cleaned_item: dict[str, Any] = {}
        scope = ChainMap(cleaned_item, lookup)
        for child in spec.get("fields", []):
            _clean_one(
                child,
                item.get(child["name"]),
                cleaned_item,
                scope,
                errors,
                f"{path}.{index}.{child['name']}",
                ctx,
            )
        if cleaned_item:
            cleaned_items.append(cleaned_item)
    if cleaned_items:
        target[spec["name"]] = cleaned_items


def _part_labels() -> dict[str, str]:
    """Labels of the parts of person, address and institution blocks, by key."""
    labels = {key: str(label) for key, _el, label, *_rest in fieldtypes.ADDRESS_PARTS}
    labels.update({key: str(label) for key, _el, label, _max in fieldtypes.PERSON_PARTS})
    labels.update({key: str(label) for key, _el, label in fieldtypes.INSTITUTION_IDS})
    labels.update({"name": _("Name"), "address": _("Address")})
    return labels


def field_label(definition: dict, path: str) -> str:
    """The label of the field an error path points at, naming the part of a block and the
    row of a group: "Applicant – PESEL number", "Trees 2: Species"."""
    parts = path.split(".")
    specs: dict[str, dict] = {}
    for spec in iter_fields(definition):
        specs[spec["name"]] = spec
        for child in spec.get("fields", []) if spec.get("type") == "group" else []:
            specs[f"{spec['name']}.{child['name']}"] = child
    labels = {key: text_of(spec.get("label")) for key, spec in specs.items()}
    label = labels.get(parts[0], parts[0])
    rest = parts[1:]
    if len(rest) >= 2 and rest[0].isdigit():
        label = f"{label} {int(rest[0]) + 1}: " + labels.get(f"{parts[0]}.{rest[1]}", rest[1])
        rest = rest[2:]
    part_labels = _part_labels()
    return " – ".join([label, *(part_labels.get(part, part) for part in rest)])


def error_list(definition: dict, errors: Errors) -> list[dict]:
    """Errors as a list for an error summary: path, field label and message, in form order."""
    result = []
    for path, messages in errors.items():
        label = field_label(definition, path)
        result.extend({"path": path, "label": label, "message": m} for m in messages)
    return result
