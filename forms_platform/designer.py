"""Pure edits of a draft definition, one per designer action.

Every function takes the definition dict, changes it in place and raises ``DesignerError``
with a translated message when the edit cannot be made. ``services`` wraps each in a locked,
audited transaction.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import DesignerError


def _step(definition: dict, key: str) -> dict:
    for step in definition["steps"]:
        if step["key"] == key:
            return step
    raise DesignerError(_("There is no step %(key)s.") % {"key": key})


def locate(definition: dict, path: str) -> tuple[list, int]:
    """(the list holding the field, its index) for ``Name`` or ``Group.Child``."""
    head, _sep, child = path.partition(".")
    for step in definition["steps"]:
        for index, spec in enumerate(step["fields"]):
            if spec["name"] == head:
                if not child:
                    return step["fields"], index
                for child_index, child_spec in enumerate(spec.get("fields", [])):
                    if child_spec["name"] == child:
                        return spec["fields"], child_index
    raise DesignerError(_("There is no field %(name)s.") % {"name": path})


def field_at(definition: dict, path: str) -> dict:
    holder, index = locate(definition, path)
    return holder[index]


def _all_names(definition: dict) -> set[str]:
    return {spec["name"] for step in definition["steps"] for spec in step["fields"]}


def step_add(definition: dict, *, key: str, title: str) -> None:
    if any(step["key"] == key for step in definition["steps"]):
        raise DesignerError(_("A step with the key %(key)s already exists.") % {"key": key})
    definition["steps"].append({"key": key, "title": title, "fields": []})


def step_update(definition: dict, *, key: str, title: str) -> None:
    _step(definition, key)["title"] = title


def step_remove(definition: dict, *, key: str) -> None:
    step = _step(definition, key)
    definition["steps"].remove(step)


def _move(items: list, index: int, delta: int) -> None:
    target = index + delta
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]


def step_move(definition: dict, *, key: str, delta: int) -> None:
    steps = definition["steps"]
    _move(steps, steps.index(_step(definition, key)), delta)


def field_add(definition: dict, *, step_key: str, spec: dict, group: str = "") -> None:
    if group:
        holder = field_at(definition, group)
        if holder.get("type") != "group":
            raise DesignerError(_("%(name)s is not a repeating group.") % {"name": group})
        siblings = holder.setdefault("fields", [])
        if any(s["name"] == spec["name"] for s in siblings):
            raise DesignerError(_("Field name %(name)s is used twice.") % {"name": spec["name"]})
        siblings.append(spec)
        return
    if spec["name"] in _all_names(definition):
        raise DesignerError(_("Field name %(name)s is used twice.") % {"name": spec["name"]})
    _step(definition, step_key)["fields"].append(spec)


def field_update(definition: dict, *, path: str, spec: dict) -> None:
    holder, index = locate(definition, path)
    old = holder[index]
    if spec["name"] != old["name"] and any(s["name"] == spec["name"] for s in holder):
        raise DesignerError(_("Field name %(name)s is used twice.") % {"name": spec["name"]})
    if "." not in path and spec["name"] != old["name"] and spec["name"] in _all_names(definition):
        raise DesignerError(_("Field name %(name)s is used twice.") % {"name": spec["name"]})
    if old.get("type") == "group":
        spec["fields"] = old.get("fields", [])
    holder[index] = spec


def field_remove(definition: dict, *, path: str) -> None:
    holder, index = locate(definition, path)
    del holder[index]


def field_move(definition: dict, *, path: str, delta: int) -> None:
    holder, index = locate(definition, path)
    _move(holder, index, delta)
