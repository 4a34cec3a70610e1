"""The citizen-facing form of one step, built from a version's definition.

``build_step_form(definition, step_key=..., data=request.POST, files=request.FILES)`` returns a
Django form whose ``layout`` the include ``forms_platform/includes/step_form.html`` renders
(labels, hints, error summary, fieldsets for blocks and repeating groups). Validation is the
repository's own (``validation.clean_data``): the Django fields only carry strings and files;
``form.form_data`` is the canonical data of the step once ``form.is_valid()``.

Input names: ``Name`` for simple fields, ``Name__pesel`` / ``Name__address__city`` for blocks,
``Group__0__Child`` for repeating groups. Submit buttons ``_add=<Group>`` and
``_remove=<Group>__<index>`` add and remove a row without JavaScript; a form built with
``validate=False`` (for those round trips) shows the answers again without judging them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import fieldtypes, validation
from .definition import compiled_rule, iter_fields, text_of

SEP = "__"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


class Radios(forms.RadioSelect):
    """Radio buttons with none checked until the person chooses (Django would check the
    option whose value is "" for a question not answered yet)."""

    def format_value(self, value: Any) -> list[str]:
        return [] if value is None else super().format_value(value)


class DeclarationBox(forms.CheckboxInput):
    """One checkbox whose submitted text reaches the field type as it is ("on" when ticked):
    the declaration type, not Django's truthiness of strings, decides what counts as ticked."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


@dataclass
class Item:
    """One thing to render: a field, a block (fieldset of inputs) or a repeating group."""

    kind: str  # "input", "choice", "multichoice", "yesno", "declaration", "block", "group"
    spec: dict
    label: str
    hint: str = ""
    required: bool = False
    name: str = ""  # input name (for inputs) or name prefix (for blocks and groups)
    children: list[Item] = field(default_factory=list)
    rows: list[list[Item]] = field(default_factory=list)
    can_add: bool = False
    can_remove: bool = False
    rule: str = ""  # the visible_if rule as JSON, for the optional browser script
    form: Any = None

    @property
    def bound(self) -> forms.BoundField:
        return self.form[self.name]

    @property
    def errors(self) -> list[str]:
        return self.form.errors_by_name.get(self.name, [])

    @property
    def id(self) -> str:
        return f"id_{self.name}"


def _label(spec: dict) -> str:
    return text_of(spec.get("label"))


def _initial_text(spec: dict, value: Any) -> Any:
    if value is None:
        return None
    ftype = spec["type"]
    if ftype == "money" and isinstance(value, int):
        return fieldtypes.MoneyType().lexical(spec, value).replace(".", ",")
    if ftype == "yesno" and isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


class StepForm(forms.Form):
    """See the module docstring; build it with ``build_step_form``."""

    def __init__(
        self,
        definition: dict,
        *,
        step_key: str | None = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        initial_data: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        today: dt.date | None = None,
        validate: bool = True,
    ) -> None:
        if data is not None and data.get("_remove"):
            data = _without_row(data, str(data.get("_remove")))
        super().__init__(data=data, files=files)
        self.validate = validate
        self.definition = definition
        self.steps = [
            step
            for step in definition.get("steps", [])
            if step_key is None or step["key"] == step_key
        ]
        self.step_definition = {"format": definition.get("format", 1), "steps": self.steps}
        self.initial_data = dict(initial_data or {})
        self.context = dict(context or {})
        self.today = today or timezone.localdate()
        self.errors_by_name: dict[str, list[str]] = {}
        self.form_data: dict[str, Any] = {}
        self.error_items: list[dict] = []
        self.layout: list[Item] = []
        for spec in iter_fields(self.step_definition):
            self.layout.append(self._item(spec, spec["name"], self.initial_data.get(spec["name"])))

    @property
    def title(self) -> str:
        return " / ".join(text_of(step.get("title")) for step in self.steps)

    # --- building ---------------------------------------------------------------------------

    def _add_input(self, name: str, django_field: forms.Field, initial: Any = None) -> None:
        django_field.required = False
        django_field.initial = initial
        self.fields[name] = django_field

    def _item(self, spec: dict, name: str, initial: Any) -> Item:
        ftype = spec["type"]
        item = Item(
            kind="input",
            spec=spec,
            label=_label(spec),
            hint=text_of(spec.get("hint")),
            required=bool(spec.get("required")) or ftype == "declaration",
            name=name,
            form=self,
        )
        tree = compiled_rule(spec.get("visible_if"))
        if tree is not None:
            item.rule = json.dumps(tree, ensure_ascii=False)
        if ftype in ("person", "address", "institution"):
            item.kind = "block"
            item.children = self._block_children(spec, name, initial or {})
        elif ftype == "group":
            item.kind = "group"
            self._group_rows(item, spec, name, initial or [])
        elif ftype == "choice":
            item.kind = "choice"
            choices = [(str(o["value"]), text_of(o.get("label"))) for o in spec.get("options", [])]
            if len(choices) > 6:
                item.kind = "input"
                choices = [("", _("Choose…")), *choices]
                widget: forms.Widget = forms.Select()
            else:
                # Nothing is chosen in advance; an optional question can be left unanswered
                # again with its own last option, a required one has no blank option at all.
                if not item.required:
                    choices = [*choices, ("", _("No answer"))]
                widget = Radios()
            self._add_input(name, forms.ChoiceField(choices=choices, widget=widget), initial)
        elif ftype == "multichoice":
            item.kind = "multichoice"
            choices = [(str(o["value"]), text_of(o.get("label"))) for o in spec.get("options", [])]
            self._add_input(
                name,
                forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple),
                initial,
            )
        elif ftype == "yesno":
            item.kind = "yesno"
            self._add_input(
                name,
                forms.ChoiceField(
                    choices=[("true", _("Yes")), ("false", _("No"))], widget=forms.RadioSelect
                ),
                _initial_text(spec, initial),
            )
        elif ftype == "declaration":
            item.kind = "declaration"
            self._add_input(name, forms.CharField(widget=DeclarationBox()), bool(initial))
        elif ftype == "attachment":
            max_files = int(spec.get("max_files") or 1)
            allowed = spec.get("allowed_types") or fieldtypes.DEFAULT_ALLOWED
            accept = ",".join(
                "." + ext for key in allowed for ext in fieldtypes.KINDS[key].extensions[:1]
            )
            widget_attrs = {"accept": accept}
            if max_files > 1:
                self._add_input(
                    name, MultipleFileField(widget=MultipleFileInput(attrs=widget_attrs))
                )
            else:
                self._add_input(
                    name, forms.FileField(widget=forms.ClearableFileInput(attrs=widget_attrs))
                )
            if not item.hint:
                item.hint = str(
                    _("Allowed: %(types)s, up to %(size)s per file.")
                    % {
                        "types": ", ".join(
                            fieldtypes.KINDS[k].extensions[0].upper() for k in allowed
                        ),
                        "size": fieldtypes.human_size(
                            int(spec.get("max_size") or fieldtypes.DEFAULT_MAX_SIZE)
                        ),
                    }
                )
        else:
            self._add_input(name, self._text_field(spec), _initial_text(spec, initial))
        return item

    def _text_field(self, spec: dict) -> forms.Field:
        ftype = spec["type"]
        attrs: dict[str, Any] = {}
        if ftype == "textarea":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), strip=False)
        if ftype == "date":
            return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}))
        if ftype in ("number", "money"):
            attrs["inputmode"] = "decimal"
        if ftype in ("pesel", "nip", "regon", "postal_code"):
            attrs["inputmode"] = "numeric"
            attrs["autocomplete"] = "off"
            attrs["size"] = 16
        if ftype == "email":
            attrs["autocomplete"] = "email"
            return forms.CharField(widget=forms.EmailInput(attrs=attrs))
        if ftype == "phone":
            attrs["autocomplete"] = "tel"
            return forms.CharField(widget=forms.TextInput(attrs={**attrs, "type": "tel"}))
        if ftype == "postal_code":
            attrs["autocomplete"] = "postal-code"
        if ftype == "text" and spec.get("max_length"):
            attrs["maxlength"] = int(spec["max_length"])
        return forms.CharField(widget=forms.TextInput(attrs=attrs))

    def _sub_input(
        self, parent: str, key: str, label: Any, initial: Any, required: bool, **attrs: Any
    ) -> Item:
        name = f"{parent}{SEP}{key}"
        self._add_input(name, forms.CharField(widget=forms.TextInput(attrs=attrs)), initial)
        return Item(
            kind="input",
            spec={"name": key, "type": "text"},
            label=str(label),
            required=required,
            name=name,
            form=self,
        )

    def _address_children(
        self, prefix: str, initial: dict, *, building_required: bool = True
    ) -> list[Item]:
        autocomplete = {
            "postal_code": "postal-code",
            "city": "address-level2",
            "street": "address-line1",
        }
        return [
            self._sub_input(
                prefix,
                key,
                label,
                initial.get(key),
                required and (building_required or key != "building"),
                **({"autocomplete": autocomplete[key]} if key in autocomplete else {}),
            )
            for key, _element, label, required, _max in fieldtypes.ADDRESS_PARTS
        ]

    def _block_children(self, spec: dict, name: str, initial: dict) -> list[Item]:
        ftype = spec["type"]
        children: list[Item] = []
        if ftype == "address":
            return self._address_children(
                name, initial, building_required=not fieldtypes.building_optional(spec)
            )
        if ftype == "person":
            for key, _element, label, _max in fieldtypes.PERSON_PARTS:
                required = key != "pesel" or spec.get("require_pesel", True)
                extra = {
                    "autocomplete": {"first_name": "given-name", "last_name": "family-name"}.get(
                        key, "off"
                    )
                }
                if key == "pesel":
                    extra["inputmode"] = "numeric"
                children.append(
                    self._sub_input(name, key, label, initial.get(key), bool(required), **extra)
                )
        else:
            children.append(
                self._sub_input(
                    name, "name", _("Name"), initial.get("name"), True, autocomplete="organization"
                )
            )
            for key, _element, label in fieldtypes.INSTITUTION_IDS:
                required = key == "nip" and spec.get("require_nip", False)
                children.append(
                    self._sub_input(
                        name, key, label, initial.get(key), bool(required), inputmode="numeric"
                    )
                )
        if spec.get("with_address"):
            address = Item(
                kind="block",
                spec={"type": "address", "name": "address"},
                label=str(_("Address")),
                name=f"{name}{SEP}address",
                form=self,
                required=True,
            )
            address.children = self._address_children(
                f"{name}{SEP}address", initial.get("address") or {}
            )
            children.append(address)
        return children

    def _submitted_rows(self, name: str) -> int:
        if self.data is None:
            return 0
        prefix = f"{name}{SEP}"
        indexes = {
            int(key[len(prefix) :].split(SEP, 1)[0])
            for key in list(self.data.keys()) + list((self.files or {}).keys())
            if key.startswith(prefix) and key[len(prefix) :].split(SEP, 1)[0].isdigit()
        }
        return max(indexes) + 1 if indexes else 0

    def _group_rows(self, item: Item, spec: dict, name: str, initial: list) -> None:
        minimum = int(spec.get("min_items") or 0)
        maximum = int(spec.get("max_items") or 1)
        rows = max(minimum, len(initial), self._submitted_rows(name), 1)
        if self.data is not None and self.data.get("_add") == name:
            rows += 1
        rows = min(rows, max(maximum, self._submitted_rows(name)))
        item.can_add = rows < maximum
        item.can_remove = rows > max(minimum, 1)
        for index in range(rows):
            row_initial = initial[index] if index < len(initial) else {}
            item.rows.append(
                [
                    self._item(
                        child,
                        f"{name}{SEP}{index}{SEP}{child['name']}",
                        row_initial.get(child["name"]),
                    )
                    for child in spec.get("fields", [])
                ]
            )

    # --- reading ----------------------------------------------------------------------------

    def raw_data(self) -> dict[str, Any]:
        """The submitted values as nested data (strings and files), before validation."""
        raw: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            parts = name.split(SEP)
            target: Any = raw
            for index, part in enumerate(parts[:-1]):
                nxt = parts[index + 1]
                if isinstance(target, list):
                    position = int(part)
                    while len(target) <= position:
                        target.append({})
                    target = target[position]
                else:
                    target = target.setdefault(part, [] if nxt.isdigit() else {})
            target[parts[-1]] = value
        return raw

    def full_clean(self) -> None:
        if self.validate:
            super().full_clean()
            return
        self._errors = ErrorDict()  # shown again as typed, not judged
        self.cleaned_data = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        data, errors = validation.clean_data(
            self.step_definition, self.raw_data(), today=self.today, context=self.context
        )
        self.form_data = data
        self.error_items = validation.error_list(self.step_definition, errors)
        for path, messages in errors.items():
            name = path.replace(".", SEP)
            self.errors_by_name.setdefault(name, []).extend(messages)
            if name in self.fields:
                for message in messages:
                    self.add_error(name, message)
            else:
                self.add_error(None, messages)
        for item in self.error_items:
            item["anchor"] = self._anchor(item["path"].replace(".", SEP))
        for name in self.errors_by_name:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["aria-invalid"] = "true"
                described = f"id_{name}_error"
                widget.attrs["aria-describedby"] = " ".join(
                    filter(None, [widget.attrs.get("aria-describedby", ""), described])
                )
        return cleaned

    def _anchor(self, name: str) -> str:
        if name in self.fields:
            return (
                f"id_{name}_0"
                if isinstance(
                    self.fields[name].widget, forms.RadioSelect | forms.CheckboxSelectMultiple
                )
                else f"id_{name}"
            )
        return f"fs_{name}"

    def describe(self) -> None:
        """Point every input at its hint (call before rendering an unbound form too)."""
        for item in self._walk(self.layout):
            if item.hint and item.name in self.fields:
                widget = self.fields[item.name].widget
                if f"id_{item.name}_hint" not in widget.attrs.get("aria-describedby", ""):
                    widget.attrs["aria-describedby"] = " ".join(
                        filter(
                            None, [f"id_{item.name}_hint", widget.attrs.get("aria-describedby", "")]
                        )
                    )

    def _walk(self, items: list[Item]):
        for item in items:
            yield item
            yield from self._walk(item.children)
            for row in item.rows:
                yield from self._walk(row)


def _without_row(data: Mapping[str, Any], target: str) -> Mapping[str, Any]:
    """``data`` without the inputs of row ``Group__<index>``, later rows moved up by one."""
    group, _sep, position = target.rpartition(SEP)
    if not group or not position.isdigit():
        return data
    removed = int(position)
    prefix = f"{group}{SEP}"
    copy = data.copy()  # a QueryDict copy is mutable and keeps every value of a key
    getlist = getattr(data, "getlist", lambda key: [data[key]])
    moved: dict[str, list] = {}
    for key in list(data.keys()):
        index, _sep, rest = key[len(prefix) :].partition(SEP)
        if not key.startswith(prefix) or not index.isdigit() or int(index) < removed:
            continue
        if int(index) > removed:
            moved[f"{prefix}{int(index) - 1}{SEP}{rest}"] = getlist(key)
        del copy[key]
    for key, values in moved.items():
        if hasattr(copy, "setlist"):
            copy.setlist(key, values)
        else:
            copy[key] = values[0] if len(values) == 1 else values
    return copy


def build_step_form(
    definition: dict,
    *,
    step_key: str | None = None,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    initial_data: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    validate: bool = True,
) -> StepForm:
    """The form for one step (or the whole form when ``step_key`` is None). Build it with
    ``validate=False`` when the page only changes shape (a row added or removed)."""
    form = StepForm(
        definition,
        step_key=step_key,
        data=data,
        files=files,
        initial_data=initial_data,
        context=context,
        validate=validate,
    )
    form.describe()
    return form
