"""Django forms of the designer (back office)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sekap import antivirus

from . import fieldtypes, rules
from .definition import NAME_RE, RESERVED_NAMES, STEP_KEY_RE, text_of
from .models import Scope
from .sniff import KINDS

UPLOADABLE_KINDS = [k for k in KINDS if k not in ("exe", "elf", "unknown")]


class TemplateCreateForm(forms.Form):
    name = forms.CharField(label=_("Name of the form"), max_length=300)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=80,
        help_text=_("Lower-case letters, digits and hyphens; used in addresses."),
    )
    code = forms.CharField(label=_("Form code"), max_length=40, required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.LOCAL)


class ImportForm(forms.Form):
    archive = forms.FileField(label=_("Template archive (ZIP)"))

    def clean_archive(self):
        """Refuse an archive that ClamAV flags, or cannot check while scanning is on."""
        upload = self.cleaned_data["archive"]
        try:
            antivirus.scan(content=upload.read(), name=upload.name or "")
        except antivirus.AntivirusRefusal as refusal:
            raise forms.ValidationError(str(refusal.message)) from None
        upload.seek(0)
        return upload


class DescriptionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    summary = forms.CharField(
        label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    who_may_file = forms.CharField(
        label=_("Who may file"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    required_attachments = forms.CharField(
        label=_("Required attachments"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line."),
    )
    signature_required = forms.BooleanField(
        label=_("A signature is required"),
        required=False,
        help_text=_(
            "Untick only where the law needs no signature (a request for public information, "
            "a petition, a complaint or request): such a letter from a logged-in person is "
            "then accepted unsigned."
        ),
    )

    @classmethod
    def initial_from(cls, description: dict) -> dict:
        return {
            "title": text_of(description.get("title")),
            "summary": description.get("summary", ""),
            "legal_basis": description.get("legal_basis", ""),
            "who_may_file": description.get("who_may_file", ""),
            "required_attachments": "\n".join(description.get("required_attachments", [])),
            "signature_required": description.get("signature_required", True),
        }

    def description(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "summary": data["summary"],
            "legal_basis": data["legal_basis"],
            "who_may_file": data["who_may_file"],
            "required_attachments": [
                line.strip() for line in data["required_attachments"].splitlines() if line.strip()
            ],
            "signature_required": data["signature_required"],
        }


class StepAddForm(forms.Form):
    key = forms.CharField(
        label=_("Step key"), max_length=40, help_text=_("Lower-case letters, digits, - and _.")
    )
    title = forms.CharField(label=_("Step title"), max_length=200)

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if not STEP_KEY_RE.match(key):
            raise forms.ValidationError(_("Use lower-case letters, digits, - and _ only."))
        return key


def _field_name(value: str) -> str:
    if not NAME_RE.match(value) or value in RESERVED_NAMES:
        raise forms.ValidationError(
            _(
                "Start with a capital letter and use only letters A-Z and digits "
                "(no Polish characters)."
            )
        )
    return value


TYPE_CHOICES = [(key, ftype.label) for key, ftype in fieldtypes.REGISTRY.items()]


class FieldAddForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"))
    type = forms.ChoiceField(label=_("Field type"), choices=TYPE_CHOICES)
    name = forms.CharField(
        label=_("Element name"),
        max_length=64,
        help_text=_("For example Wnioskodawca or DataUrodzenia."),
    )
    label = forms.CharField(label=_("Label"), max_length=300)
    required = forms.BooleanField(label=_("Required"), required=False)

    def __init__(
        self, *args: Any, steps: list[dict], in_group: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(s["key"], text_of(s.get("title"))) for s in steps]
        if in_group:
            del self.fields["step"]
            self.fields["type"].choices = [
                c for c in TYPE_CHOICES if c[0] not in ("group", "attachment")
            ]

    def clean_name(self) -> str:
        return _field_name(self.cleaned_data["name"])

    def spec(self) -> dict:
        data = self.cleaned_data
        spec: dict[str, Any] = {"name": data["name"], "type": data["type"], "label": data["label"]}
        if data["required"] or data["type"] == "declaration":
            spec["required"] = True  # a declaration is always confirmed
        if data["type"] in ("choice", "multichoice"):
            spec["options"] = [{"value": "tak", "label": "Tak"}, {"value": "nie", "label": "Nie"}]
        if data["type"] == "group":
            spec.update({"min_items": 0, "max_items": 5, "fields": []})
        return spec


def _rule(value: str) -> str:
    value = (value or "").strip()
    if value:
        try:
            rules.compile_rule(value)
        except rules.RuleSyntaxError as exc:
            raise forms.ValidationError(
                _("The rule is not valid: %(error)s") % {"error": exc}
            ) from exc
    return value


class FieldEditForm(forms.Form):
    """Common settings plus the options of the field's type."""

    name = forms.CharField(label=_("Element name"), max_length=64)
    label = forms.CharField(label=_("Label (Polish)"), max_length=300)
    label_en = forms.CharField(label=_("Label (English, optional)"), max_length=300, required=False)
    hint = forms.CharField(label=_("Hint"), max_length=500, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    visible_if = forms.CharField(
        label=_("Show only if (rule)"),
        required=False,
        help_text=_('For example: Rodzaj == "inne" or Zgoda is true. Only earlier fields.'),
    )
    required_if = forms.CharField(label=_("Required if (rule)"), required=False)

    OPTION_FIELDS: dict[str, Any] = {
        "max_length": lambda: forms.IntegerField(
            label=_("Maximum length"), min_value=1, max_value=20000, required=False
        ),
        "min_value": lambda: forms.DecimalField(
            label=_("Minimum value (money: grosze)"), required=False
        ),
        "max_value": lambda: forms.DecimalField(
            label=_("Maximum value (money: grosze)"), required=False
        ),
        "decimals": lambda: forms.IntegerField(
            label=_("Decimal places"), min_value=0, max_value=6, required=False
        ),
        "not_future": lambda: forms.BooleanField(
            label=_("The date cannot be in the future"), required=False
        ),
        "not_past": lambda: forms.BooleanField(
            label=_("The date cannot be in the past"), required=False
        ),
        "options": lambda: forms.CharField(
            label=_("Options"),
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("One per line: value|label"),
        ),
        "require_pesel": lambda: forms.BooleanField(label=_("PESEL is required"), required=False),
        "require_nip": lambda: forms.BooleanField(label=_("NIP is required"), required=False),
        "with_address": lambda: forms.BooleanField(label=_("Ask for the address"), required=False),
        "building_optional": lambda: forms.BooleanField(
            label=_("The building number is optional (the address of a plot of land)"),
            required=False,
        ),
        "allowed_types": lambda: forms.MultipleChoiceField(
            label=_("Allowed file types"),
            widget=forms.CheckboxSelectMultiple,
            choices=[
                (k, KINDS[k].extensions[0].upper() if KINDS[k].extensions else k)
                for k in UPLOADABLE_KINDS
            ],
        ),
        "max_size": lambda: forms.IntegerField(
            label=_("Size limit per file (kB)"), min_value=1, max_value=51200
        ),
        "max_files": lambda: forms.IntegerField(
            label=_("Maximum number of files"), min_value=1, max_value=20
        ),
        "min_items": lambda: forms.IntegerField(
            label=_("Minimum number of items"), min_value=0, max_value=100
        ),
        "max_items": lambda: forms.IntegerField(
            label=_("Maximum number of items"), min_value=1, max_value=100
        ),
    }

    def __init__(self, *args: Any, spec: dict, **kwargs: Any) -> None:
        self.spec = spec
        ftype = fieldtypes.get(spec["type"])
        label = spec.get("label")
        initial = {
            "name": spec["name"],
            "label": text_of(label, "pl"),
            "label_en": label.get("en", "") if isinstance(label, dict) else "",
            "hint": text_of(spec.get("hint"), "pl"),
            "required": bool(spec.get("required")),
            "visible_if": spec.get("visible_if", ""),
            "required_if": spec.get("required_if", ""),
        }
        for option in ftype.options:
            value = spec.get(option)
            if option == "options":
                value = "\n".join(
                    f"{o['value']}|{text_of(o.get('label'), 'pl')}" for o in spec.get("options", [])
                )
            elif option == "max_size":
                value = int(spec.get("max_size") or fieldtypes.DEFAULT_MAX_SIZE) // 1024
            elif option == "allowed_types":
                value = spec.get("allowed_types") or fieldtypes.DEFAULT_ALLOWED
            elif option in ("require_pesel",):
                value = spec.get(option, True)
            initial[option] = value
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for option in ftype.options:
            self.fields[option] = self.OPTION_FIELDS[option]()

    def clean_name(self) -> str:
        return _field_name(self.cleaned_data["name"])

    def clean_visible_if(self) -> str:
        return _rule(self.cleaned_data["visible_if"])

    def clean_required_if(self) -> str:
        return _rule(self.cleaned_data["required_if"])

    def clean_options(self) -> list[dict]:
        options = []
        for line in self.cleaned_data["options"].splitlines():
            if not line.strip():
                continue
            value, _sep, label = line.partition("|")
            options.append({"value": value.strip(), "label": (label or value).strip()})
        if not options:
            raise forms.ValidationError(_("Give at least one option."))
        return options

    def new_spec(self) -> dict:
        data = self.cleaned_data
        spec: dict[str, Any] = {"name": data["name"], "type": self.spec["type"]}
        spec["label"] = (
            {"pl": data["label"], "en": data["label_en"]} if data["label_en"] else data["label"]
        )
        for key in ("hint", "visible_if", "required_if"):
            if data[key]:
                spec[key] = data[key]
        if data["required"]:
            spec["required"] = True
        for option in fieldtypes.get(self.spec["type"]).options:
            value = data.get(option)
            if option == "max_size":
                value = int(value) * 1024
            if option in ("min_value", "max_value") and value is not None:
                value = int(value) if value == value.to_integral_value() else str(value)
            if value in (None, "", []) and option not in ("require_pesel",):
                continue
            spec[option] = value
        return spec


class PublishForm(forms.Form):
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    identifier = forms.CharField(
        label=_("CRWDE identifier (central templates only)"), required=False, max_length=40
    )
