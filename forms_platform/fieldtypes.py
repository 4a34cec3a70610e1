"""The field-type registry.

Each field type knows, for one field of a form definition:

* ``coerce``: turn input (JSON from the API, strings from an HTML form, or already typed
  Python values) into the canonical Python value, returning specific, translated errors;
* ``to_xml`` / ``from_xml``: write and read the value inside ``TrescDokumentu``;
* ``xsd``: the XML Schema declaration of its element;
* ``options``: the settings a designer may change (shown in the designer's field editor).

Canonical values: text-like types are ``str``; ``number`` is ``int`` (or ``Decimal`` when the
field allows decimals); ``money`` is ``int`` grosze; ``date`` is ``datetime.date``;
``multichoice`` is a list of option values in the options' order; ``yesno`` is ``bool``;
``person``/``address``/``institution`` are dicts; ``group`` is a list of dicts; ``attachment``
is a list of :class:`Attachment`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from lxml import etree
from stdnum import iban as std_iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.pl import nip as std_nip
from stdnum.pl import pesel as std_pesel
from stdnum.pl import regon as std_regon

from sekap import antivirus

from .constants import NS_ADR, NS_INST, NS_OSO, NS_XS
from .sniff import KINDS, extension_kind, sniff

XS = f"{{{NS_XS}}}"
OSO = f"{{{NS_OSO}}}"
ADR = f"{{{NS_ADR}}}"
INST = f"{{{NS_INST}}}"

Issue = tuple[str, str]  # (path suffix, message); "" = the field itself


@dataclass(frozen=True)
class Attachment:
    """A file attached to a form; ``content_type`` is what sniffing found, not a claim."""

    name: str
    content_type: str
    content: bytes = field(repr=False)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "content_type": self.content_type,
            "size": len(self.content),
            "content_base64": base64.b64encode(self.content).decode("ascii"),
        }


class Context:
    """What a field type needs while it validates or reads/writes XML."""

    def __init__(self, *, ns: str = "", today: dt.date | None = None) -> None:
        self.ns = f"{{{ns}}}" if ns else ""
        self.today = today or dt.date.today()
        self.attachments: list[Attachment] = []  # collected while building XML
        self.zalaczniki: list[Attachment] = []  # available while parsing XML


# --- helpers --------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(raw: Any, *, multiline: bool = False) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raw = str(raw)
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        raw = " ".join(raw.split())
    return raw.strip()


def _length_issues(value: str, max_length: int) -> list[Issue]:
    issues: list[Issue] = []
    if _CONTROL.search(value):
        issues.append(("", str(_("The text contains characters that cannot be stored."))))
    if len(value) > max_length:
        issues.append(
            (
                "",
                str(
                    _("Use at most %(max)d characters (you used %(len)d).")
                    % {"max": max_length, "len": len(value)}
                ),
            )
        )
    return issues


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_SubElement = etree.SubElement


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = _SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _xs(parent: etree._Element, tag: str, **attrs: Any) -> etree._Element:
    return etree.SubElement(parent, XS + tag, {k: str(v) for k, v in attrs.items()})


def _restriction(
    parent: etree._Element, base: str, facets: list[tuple[str, str]]
) -> etree._Element:
    simple = _xs(parent, "simpleType")
    restriction = _xs(simple, "restriction", base=base)
    for facet, value in facets:
        _xs(restriction, facet, value=value)
    return simple


# --- the base class and registry ------------------------------------------------------------


class FieldType:
    key: str = ""
    label: Any = ""
    options: tuple[str, ...] = ()  # option names the designer edits
    composite = False  # rendered as a fieldset of sub-inputs

    def coerce(self, spec: dict, raw: Any, ctx: Context) -> tuple[Any, list[Issue]]:
        raise NotImplementedError

    def to_xml(self, parent: etree._Element, spec: dict, value: Any, ctx: Context) -> None:
        _SubElement(parent, ctx.ns + spec["name"]).text = self.lexical(spec, value)

    def from_xml(self, el: etree._Element, spec: dict, ctx: Context) -> Any:
        return self.parse_lexical(spec, el.text or "")

    def lexical(self, spec: dict, value: Any) -> str:
        return str(value)

    def parse_lexical(self, spec: dict, text: str) -> Any:
        return text

    def xsd(self, element: etree._Element, spec: dict, form_prefix: str) -> None:
        """Add the type of ``element`` (an ``xs:element``) to the schema."""
        _restriction(element, "xs:string", [("minLength", "1")])


REGISTRY: dict[str, FieldType] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    REGISTRY[cls.key] = cls()
    return cls


def get(key: str) -> FieldType:
    return REGISTRY[key]


# --- simple text types ----------------------------------------------------------------------


@register
class TextType(FieldType):
    key = "text"
    label = _("Short text")
    options = ("max_length",)
    default_max = 255
    multiline = False

    def max_length(self, spec: dict) -> int:
        return int(spec.get("max_length") or self.default_max)

    def coerce(self, spec, raw, ctx):
        value = _text(raw, multiline=self.multiline)
        return value, _length_issues(value, self.max_length(spec))

    def xsd(self, element, spec, form_prefix):
        _restriction(
            element,
            "xs:string",
            [("minLength", "1"), ("maxLength", str(self.max_length(spec)))],
        )


@register
class LongTextType(TextType):
    key = "textarea"
    label = _("Long text")
    default_max = 4000
    multiline = True


@register
class EmailType(TextType):
    key = "email"
    label = _("E-mail address")
    options = ()
    _re = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    def coerce(self, spec, raw, ctx):
        value = _text(raw)
        if value and (not self._re.match(value) or len(value) > 254 or _CONTROL.search(value)):
            return value, [
                ("", str(_("Enter a valid e-mail address, for example jan@example.pl.")))
            ]
        return value, []

    def xsd(self, element, spec, form_prefix):
        _restriction(
            element, "xs:string", [("maxLength", "254"), ("pattern", r"[^@\s]+@[^@\s]+\.[^@\s]+")]
        )


@register
class PhoneType(TextType):
    key = "phone"
    label = _("Phone number")
    options = ()

    def coerce(self, spec, raw, ctx):
        value = re.sub(r"[\s\-()]", "", _text(raw))
        if value and not re.fullmatch(r"\+?[0-9]{9,15}", value):
            return value, [
                ("", str(_("Enter a phone number of 9 to 15 digits, optionally starting with +.")))
            ]
        return value, []

    def xsd(self, element, spec, form_prefix):
        _restriction(element, "xs:string", [("pattern", r"\+?[0-9]{9,15}")])


@register
class PostalCodeType(TextType):
    key = "postal_code"
    label = _("Postal code")
    options = ()

    def coerce(self, spec, raw, ctx):
        value = _text(raw)
        if value and not re.fullmatch(r"[0-9]{2}-[0-9]{3}", value):
            return value, [("", str(_("Enter the postal code as NN-NNN, for example 40-001.")))]
        return value, []

    def xsd(self, element, spec, form_prefix):
        _restriction(element, "xs:string", [("pattern", "[0-9]{2}-[0-9]{3}")])


def _stdnum_issue(exc: ValidationError, messages: dict[type, Any], default: Any) -> str:
    for exc_type, message in messages.items():
        if isinstance(exc, exc_type):
            return str(message)
    return str(default)


def check_pesel(value: str) -> str | None:
    try:
        std_pesel.validate(value)
    except ValidationError as exc:
        return _stdnum_issue(
            exc,
            {
                InvalidChecksum: _("The PESEL number has a wrong check digit."),
                InvalidLength: _("A PESEL number has exactly 11 digits."),
                InvalidFormat: _("A PESEL number consists of 11 digits."),
                InvalidComponent: _("The PESEL number contains an impossible date of birth."),
            },
            _("This is not a valid PESEL number."),
        )
    return None


def check_nip(value: str) -> str | None:
    try:
        std_nip.validate(value)
    except ValidationError as exc:
        return _stdnum_issue(
            exc,
            {
                InvalidChecksum: _("The NIP number has a wrong check digit."),
                InvalidLength: _("A NIP number has exactly 10 digits."),
                InvalidFormat: _("A NIP number consists of 10 digits."),
            },
            _("This is not a valid NIP number."),
        )
    return None


def check_regon(value: str) -> str | None:
    try:
        std_regon.validate(value)
    except ValidationError as exc:
        return _stdnum_issue(
            exc,
            {
                InvalidChecksum: _("The REGON number has a wrong check digit."),
                InvalidLength: _("A REGON number has 9 or 14 digits."),
                InvalidFormat: _("A REGON number consists of 9 or 14 digits."),
            },
            _("This is not a valid REGON number."),
        )
    return None


def check_iban(value: str) -> str | None:
    try:
        std_iban.validate(value)
    except ValidationError as exc:
        return _stdnum_issue(
            exc,
            {
                InvalidChecksum: _("The account number has wrong check digits."),
                InvalidLength: _("The account number is too short or too long."),
                InvalidFormat: _(
                    "The account number has a wrong length or format for its country."
                ),
                InvalidComponent: _(
                    "The account number has a wrong length or format for its country."
                ),
            },
            _("This is not a valid account number (IBAN)."),
        )
    return None


class _IdentifierType(TextType):
    options = ()
    pattern = ""
    compact: Callable[[str], str] = staticmethod(lambda v: re.sub(r"[\s\-]", "", v))
    check: Callable[[str], str | None] = staticmethod(lambda v: None)

    def coerce(self, spec, raw, ctx):
        value = type(self).compact(_text(raw))
        if not value:
            return value, []
        problem = type(self).check(value)
        return value, [("", problem)] if problem else []

    def xsd(self, element, spec, form_prefix):
        _restriction(element, "xs:string", [("pattern", self.pattern)])


@register
class PeselType(_IdentifierType):
    key = "pesel"
    label = _("PESEL number")
    pattern = "[0-9]{11}"
    check = staticmethod(check_pesel)


@register
class NipType(_IdentifierType):
    key = "nip"
    label = _("NIP number")
    pattern = "[0-9]{10}"
    compact = staticmethod(std_nip.compact)
    check = staticmethod(check_nip)


@register
class RegonType(_IdentifierType):
    key = "regon"
    label = _("REGON number")
    pattern = "[0-9]{9}|[0-9]{14}"
    check = staticmethod(check_regon)


def _compact_iban(value: str) -> str:
    value = std_iban.compact(value)
    if re.fullmatch(r"[0-9]{26}", value):  # a Polish NRB written without the country code
        value = "PL" + value
    return value


@register
class IbanType(_IdentifierType):
    key = "iban"
    label = _("Bank account number (IBAN)")
    pattern = "[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}"
    compact = staticmethod(_compact_iban)
    check = staticmethod(check_iban)


# --- numbers, money, dates, choices ---------------------------------------------------------


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    text = _text(raw).replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _range_issues(spec: dict, value: Decimal, shown: Callable[[Decimal], str]) -> list[Issue]:
    issues: list[Issue] = []
    if spec.get("min_value") is not None and value < Decimal(str(spec["min_value"])):
        issues.append(
            (
                "",
                str(
                    _("The value must be at least %(min)s.")
                    % {"min": shown(Decimal(str(spec["min_value"])))}
                ),
            )
        )
    if spec.get("max_value") is not None and value > Decimal(str(spec["max_value"])):
        issues.append(
            (
                "",
                str(
                    _("The value must be at most %(max)s.")
                    % {"max": shown(Decimal(str(spec["max_value"])))}
                ),
            )
        )
    return issues


@register
class NumberType(FieldType):
    key = "number"
    label = _("Number")
    options = ("min_value", "max_value", "decimals")

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "":
            return None, []
        decimals = int(spec.get("decimals") or 0)
        number = _decimal(raw)
        if number is None or not number.is_finite():
            return None, [("", str(_("Enter a number, for example 12.")))]
        if decimals == 0:
            if number != number.to_integral_value():
                return None, [("", str(_("Enter a whole number.")))]
            value: Any = int(number)
        else:
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > decimals:
                return None, [
                    (
                        "",
                        str(
                            ngettext_lazy(
                                "Use at most %(n)d decimal place.",
                                "Use at most %(n)d decimal places.",
                                decimals,
                            )
                            % {"n": decimals}
                        ),
                    )
                ]
            value = number.quantize(Decimal(1).scaleb(-decimals))
        if abs(number) >= Decimal("1e15"):
            return None, [("", str(_("The number is too large.")))]
        return value, _range_issues(spec, Decimal(value), lambda d: number_format(d))

    def lexical(self, spec, value):
        return str(value)

    def parse_lexical(self, spec, text):
        decimals = int(spec.get("decimals") or 0)
        if decimals == 0:
            return int(text)
        return Decimal(text).quantize(Decimal(1).scaleb(-decimals))

    def xsd(self, element, spec, form_prefix):
        decimals = int(spec.get("decimals") or 0)
        facets: list[tuple[str, str]] = [("totalDigits", "18")]
        if decimals:
            facets.append(("fractionDigits", str(decimals)))
        if spec.get("min_value") is not None:
            facets.append(("minInclusive", str(spec["min_value"])))
        if spec.get("max_value") is not None:
            facets.append(("maxInclusive", str(spec["max_value"])))
        _restriction(element, "xs:integer" if not decimals else "xs:decimal", facets)


def format_money(grosze: int) -> str:
    sign = "-" if grosze < 0 else ""
    zl, gr = divmod(abs(grosze), 100)
    return f"{sign}{zl:,}".replace(",", "\u00a0") + f",{gr:02d}\u00a0zł"


@register
class MoneyType(FieldType):
    key = "money"
    label = _("Amount of money")
    options = ("min_value", "max_value")

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "":
            return None, []
        if isinstance(raw, bool):
            grosze = None
        elif isinstance(raw, int):
            grosze = raw  # JSON numbers are grosze
        else:
            amount = _decimal(raw)  # typed text is złoty
            grosze = None
            if amount is not None and amount == amount.quantize(Decimal("0.01")):
                grosze = int(amount * 100)
        if grosze is None or abs(grosze) >= 10**15:
            return None, [("", str(_("Enter an amount in złoty, for example 125,50.")))]
        issues = []
        minimum = spec.get("min_value", 0)
        if minimum is not None and grosze < int(minimum):
            issues.append(
                (
                    "",
                    str(_("The amount must be at least %(min)s.") % {"min": format_money(minimum)}),
                )
            )
        if spec.get("max_value") is not None and grosze > int(spec["max_value"]):
            issues.append(
                (
                    "",
                    str(
                        _("The amount must be at most %(max)s.")
                        % {"max": format_money(int(spec["max_value"]))}
                    ),
                )
            )
        return grosze, issues

    def lexical(self, spec, value):
        sign = "-" if value < 0 else ""
        zl, gr = divmod(abs(value), 100)
        return f"{sign}{zl}.{gr:02d}"

    def parse_lexical(self, spec, text):
        return int(Decimal(text) * 100)

    def xsd(self, element, spec, form_prefix):
        facets = [("totalDigits", "18"), ("fractionDigits", "2")]
        minimum = spec.get("min_value", 0)
        if minimum is not None:
            facets.append(("minInclusive", self.lexical(spec, int(minimum))))
        if spec.get("max_value") is not None:
            facets.append(("maxInclusive", self.lexical(spec, int(spec["max_value"]))))
        _restriction(element, "xs:decimal", facets)


@register
class DateType(FieldType):
    key = "date"
    label = _("Date")
    options = ("not_future", "not_past")

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "":
            return None, []
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, dt.date):
            value = raw
        else:
            text = _text(raw)
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                    raise ValueError
                value = dt.date.fromisoformat(text)
            except ValueError:
                match = re.fullmatch(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})", text)
                try:
                    if not match:
                        raise ValueError from None
                    value = dt.date(int(match[3]), int(match[2]), int(match[1]))
                except ValueError:
                    return None, [
                        ("", str(_("Enter a real date as YYYY-MM-DD, for example 2024-03-15.")))
                    ]
        if value.year < 1800:
            return None, [("", str(_("Enter a date after the year 1800.")))]
        if spec.get("not_future") and value > ctx.today:
            return value, [("", str(_("The date cannot be in the future.")))]
        if spec.get("not_past") and value < ctx.today:
            return value, [("", str(_("The date cannot be in the past.")))]
        return value, []

    def lexical(self, spec, value):
        return value.isoformat()

    def parse_lexical(self, spec, text):
        return dt.date.fromisoformat(text)

    def xsd(self, element, spec, form_prefix):
        element.set("type", "xs:date")


def option_values(spec: dict) -> list[str]:
    return [str(option["value"]) for option in spec.get("options", [])]


@register
class ChoiceType(FieldType):
    key = "choice"
    label = _("Single choice")
    options = ("options",)

    def coerce(self, spec, raw, ctx):
        value = _text(raw)
        if value and value not in option_values(spec):
            return None, [("", str(_("Choose one of the listed options.")))]
        return value, []

    def xsd(self, element, spec, form_prefix):
        _restriction(
            element, "xs:string", [("enumeration", value) for value in option_values(spec)]
        )


@register
class MultiChoiceType(FieldType):
    key = "multichoice"
    label = _("Multiple choice")
    options = ("options",)

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "":
            return [], []
        if not isinstance(raw, list | tuple):
            raw = [raw]
        if any(isinstance(item, dict | list) for item in raw):
            return [], [("", str(_("Choose only from the listed options.")))]
        chosen = {_text(item) for item in raw}
        allowed = option_values(spec)
        if chosen - set(allowed):
            return [], [("", str(_("Choose only from the listed options.")))]
        return [value for value in allowed if value in chosen], []

    def to_xml(self, parent, spec, value, ctx):
        el = _sub(parent, ctx.ns + spec["name"])
        for item in value:
            _sub(el, ctx.ns + "Wartosc", item)

    def from_xml(self, el, spec, ctx):
        return [child.text or "" for child in el]

    def xsd(self, element, spec, form_prefix):
        complex_ = _xs(element, "complexType")
        seq = _xs(complex_, "sequence")
        item = _xs(seq, "element", name="Wartosc", maxOccurs=len(spec.get("options", [])) or 1)
        _restriction(item, "xs:string", [("enumeration", v) for v in option_values(spec)])


_TRUE = {"true", "1", "yes", "tak", "on", "t"}
_FALSE = {"false", "0", "no", "nie", "off", "n", "f"}


@register
class YesNoType(FieldType):
    key = "yesno"
    label = _("Yes or no")

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "":
            return None, []
        if isinstance(raw, bool):
            return raw, []
        text = _text(raw).lower()
        if text in _TRUE:
            return True, []
        if text in _FALSE:
            return False, []
        return None, [("", str(_("Choose yes or no.")))]

    def lexical(self, spec, value):
        return "true" if value else "false"

    def parse_lexical(self, spec, text):
        return text.strip() in ("true", "1")

    def xsd(self, element, spec, form_prefix):
        element.set("type", "xs:boolean")


@register
class DeclarationType(FieldType):
    """A statement the applicant confirms by ticking one box (its label is the statement).

    Unlike ``yesno`` there is no "no": a visible declaration that is not ticked is an error,
    whatever the field's ``required`` flag says, and the XML can only say ``true``.
    """

    key = "declaration"
    label = _("Declaration (one box that must be ticked)")

    def coerce(self, spec, raw, ctx):
        if raw is not False and _text(raw).lower() in _TRUE:
            return True, []
        return None, [("", str(_("Tick the box to confirm this statement.")))]

    def lexical(self, spec, value):
        return "true"

    def parse_lexical(self, spec, text):
        return text.strip() in ("true", "1")

    def xsd(self, element, spec, form_prefix):
        _restriction(element, "xs:boolean", [("pattern", "true|1")])


# --- blocks built from the shared crd.gov.pl schemas ---------------------------------------

ADDRESS_PARTS = (
    # key, element, label, required, max length
    ("postal_code", "KodPocztowy", _("Postal code"), True, 6),
    ("post_office", "Poczta", _("Post office"), False, 100),
    ("city", "Miejscowosc", _("Town or village"), True, 100),
    ("street", "Ulica", _("Street"), False, 100),
    ("building", "Budynek", _("Building number"), True, 20),
    ("unit", "Lokal", _("Flat number"), False, 20),
)


def _mapping(raw: Any) -> dict:
    return raw if isinstance(raw, dict) else {}


def coerce_address(
    raw: Any, prefix: str = "", *, building_required: bool = True
) -> tuple[dict, list[Issue]]:
    raw = _mapping(raw)
    value: dict[str, str] = {}
    issues: list[Issue] = []
    for key, _element, _label, required, max_length in ADDRESS_PARTS:
        text = _text(raw.get(key))
        if not text:
            if required and (building_required or key != "building"):
                issues.append((prefix + key, str(_("This field is required."))))
            continue
        if key == "postal_code" and not re.fullmatch(r"[0-9]{2}-[0-9]{3}", text):
            issues.append(
                (prefix + key, str(_("Enter the postal code as NN-NNN, for example 40-001.")))
            )
        issues += [(prefix + key, m) for _p, m in _length_issues(text, max_length)]
        value[key] = text
    return value, issues


def address_to_xml(parent: etree._Element, value: dict) -> None:
    adres = _sub(parent, ADR + "Adres")
    for key, element, *_rest in ADDRESS_PARTS:
        if key in value:
            _sub(adres, ADR + element, value[key])


def address_from_xml(el: etree._Element) -> dict:
    by_tag = {child.tag: child.text or "" for child in el}
    return {
        key: by_tag[ADR + element] for key, element, *_ in ADDRESS_PARTS if ADR + element in by_tag
    }


def _block_xsd(element: etree._Element, ref: str) -> None:
    complex_ = _xs(element, "complexType")
    seq = _xs(complex_, "sequence")
    _xs(seq, "element", ref=ref)


def building_optional(spec: dict) -> bool:
    """A plot or parcel address (land without a building number)."""
    return bool(spec.get("building_optional"))


@register
class AddressType(FieldType):
    """A postal address (``adr:Adres``). With ``building_optional`` it is the address of a plot
    of land: the shared ``adr:Adres`` requires a building number, so such a field keeps the same
    parts as elements of the form's own namespace, with ``Budynek`` optional."""

    key = "address"
    label = _("Address")
    options = ("building_optional",)
    composite = True

    def coerce(self, spec, raw, ctx):
        if is_empty(raw) or not any(_text(v) for v in _mapping(raw).values()):
            return {}, []
        return coerce_address(raw, building_required=not building_optional(spec))

    def to_xml(self, parent, spec, value, ctx):
        el = _sub(parent, ctx.ns + spec["name"])
        if not building_optional(spec):
            address_to_xml(el, value)
            return
        for key, element, *_rest in ADDRESS_PARTS:
            if key in value:
                _sub(el, ctx.ns + element, value[key])

    def from_xml(self, el, spec, ctx):
        if not building_optional(spec):
            return address_from_xml(el[0])
        by_name = {etree.QName(child).localname: child.text or "" for child in el}
        return {key: by_name[element] for key, element, *_ in ADDRESS_PARTS if element in by_name}

    def xsd(self, element, spec, form_prefix):
        if not building_optional(spec):
            _block_xsd(element, "adr:Adres")
            return
        seq = _xs(_xs(element, "complexType"), "sequence")
        for key, name, _label, required, max_length in ADDRESS_PARTS:
            attrs = {} if required and key != "building" else {"minOccurs": 0}
            part = _xs(seq, "element", name=name, **attrs)
            if key == "postal_code":
                _restriction(part, "xs:string", [("pattern", "[0-9]{2}-[0-9]{3}")])
            else:
                _restriction(
                    part, "xs:string", [("minLength", "1"), ("maxLength", str(max_length))]
                )


PERSON_PARTS = (
    ("first_name", "Imie", _("First name"), 100),
    ("last_name", "Nazwisko", _("Surname"), 100),
    ("pesel", "PESEL", _("PESEL number"), 11),
)


def coerce_person(
    raw: Any, *, require_pesel: bool = True, with_address: bool = False, prefix: str = ""
) -> tuple[dict, list[Issue]]:
    raw = _mapping(raw)
    value: dict[str, Any] = {}
    issues: list[Issue] = []
    for key, _element, _label, max_length in PERSON_PARTS:
        text = _text(raw.get(key))
        if key == "pesel":
            text = text.replace(" ", "")
        if not text:
            if key != "pesel" or require_pesel:
                issues.append((prefix + key, str(_("This field is required."))))
            continue
        if key == "pesel":
            problem = check_pesel(text)
            if problem:
                issues.append((prefix + key, problem))
        else:
            issues += [(prefix + key, m) for _p, m in _length_issues(text, max_length)]
        value[key] = text
    if with_address:
        address, more = coerce_address(raw.get("address"), prefix=prefix + "address.")
        issues += more
        value["address"] = address
    return value, issues


def person_to_xml(parent: etree._Element, value: dict) -> None:
    osoba = _sub(parent, OSO + "Osoba")
    if value.get("pesel"):
        _sub(_sub(osoba, OSO + "IdOsoby"), OSO + "PESEL", value["pesel"])
    _sub(osoba, OSO + "Imie", value["first_name"])
    _sub(osoba, OSO + "Nazwisko", value["last_name"])
    if value.get("address"):
        address_to_xml(osoba, value["address"])


def person_from_xml(osoba: etree._Element) -> dict:
    value: dict[str, Any] = {}
    for child in osoba:
        if child.tag == OSO + "IdOsoby":
            pesel = child.find(OSO + "PESEL")
            if pesel is not None:
                value["pesel"] = pesel.text or ""
        elif child.tag == OSO + "Imie":
            value["first_name"] = child.text or ""
        elif child.tag == OSO + "Nazwisko":
            value["last_name"] = child.text or ""
        elif child.tag == ADR + "Adres":
            value["address"] = address_from_xml(child)
    return value


@register
class PersonType(FieldType):
    key = "person"
    label = _("Person (name, surname, PESEL)")
    options = ("require_pesel", "with_address")
    composite = True

    def coerce(self, spec, raw, ctx):
        if is_empty(raw) or not _any_text(raw):
            return {}, []
        return coerce_person(
            raw,
            require_pesel=spec.get("require_pesel", True),
            with_address=spec.get("with_address", False),
        )

    def to_xml(self, parent, spec, value, ctx):
        person_to_xml(_sub(parent, ctx.ns + spec["name"]), value)

    def from_xml(self, el, spec, ctx):
        return person_from_xml(el[0])

    def xsd(self, element, spec, form_prefix):
        _block_xsd(element, "oso:Osoba")


def _any_text(raw: Any) -> bool:
    if isinstance(raw, dict):
        return any(_any_text(v) for v in raw.values())
    return bool(_text(raw))


INSTITUTION_IDS = (
    ("nip", "NIP", _("NIP number")),
    ("regon", "REGON", _("REGON number")),
    ("krs", "KRS", _("KRS number")),
)


def coerce_institution(
    raw: Any, *, require_nip: bool = False, with_address: bool = False, prefix: str = ""
) -> tuple[dict, list[Issue]]:
    raw = _mapping(raw)
    value: dict[str, Any] = {}
    issues: list[Issue] = []
    name = _text(raw.get("name"))
    if not name:
        issues.append((prefix + "name", str(_("This field is required."))))
    else:
        issues += [(prefix + "name", m) for _p, m in _length_issues(name, 300)]
        value["name"] = name
    checks = {
        "nip": (std_nip.compact, check_nip),
        "regon": (lambda v: re.sub(r"[\s\-]", "", v), check_regon),
        "krs": (lambda v: re.sub(r"[\s\-]", "", v), _check_krs),
    }
    for key, _element, _label in INSTITUTION_IDS:
        compact, check = checks[key]
        text = compact(_text(raw.get(key)))
        if not text:
            if key == "nip" and require_nip:
                issues.append((prefix + key, str(_("This field is required."))))
            continue
        problem = check(text)
        if problem:
            issues.append((prefix + key, problem))
        value[key] = text
    if with_address:
        address, more = coerce_address(raw.get("address"), prefix=prefix + "address.")
        issues += more
        value["address"] = address
    return value, issues


def _check_krs(value: str) -> str | None:
    if not re.fullmatch(r"[0-9]{10}", value):
        return str(_("A KRS number has exactly 10 digits."))
    return None


def institution_to_xml(parent: etree._Element, value: dict) -> None:
    inst = _sub(parent, INST + "Instytucja")
    _sub(inst, INST + "NazwaInstytucji", value["name"])
    if any(value.get(key) for key, *_ in INSTITUTION_IDS):
        ids = _sub(inst, INST + "IdInstytucji")
        for key, element, _label in INSTITUTION_IDS:
            if value.get(key):
                _sub(ids, INST + element, value[key])
    if value.get("address"):
        address_to_xml(inst, value["address"])


def institution_from_xml(inst: etree._Element) -> dict:
    value: dict[str, Any] = {}
    for child in inst:
        if child.tag == INST + "NazwaInstytucji":
            value["name"] = child.text or ""
        elif child.tag == INST + "IdInstytucji":
            for id_el in child:
                for key, element, _label in INSTITUTION_IDS:
                    if id_el.tag == INST + element:
                        value[key] = id_el.text or ""
        elif child.tag == ADR + "Adres":
            value["address"] = address_from_xml(child)
    return value


@register
class InstitutionType(FieldType):
    key = "institution"
    label = _("Institution or company (name, NIP, REGON, KRS)")
    options = ("require_nip", "with_address")
    composite = True

    def coerce(self, spec, raw, ctx):
        if is_empty(raw) or not _any_text(raw):
            return {}, []
        return coerce_institution(
            raw,
            require_nip=spec.get("require_nip", False),
            with_address=spec.get("with_address", False),
        )

    def to_xml(self, parent, spec, value, ctx):
        institution_to_xml(_sub(parent, ctx.ns + spec["name"]), value)

    def from_xml(self, el, spec, ctx):
        return institution_from_xml(el[0])

    def xsd(self, element, spec, form_prefix):
        _block_xsd(element, "inst:Instytucja")


# --- attachments ----------------------------------------------------------------------------

DEFAULT_ALLOWED = ["pdf", "jpeg", "png"]
DEFAULT_MAX_SIZE = 10 * 1024 * 1024


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    if size >= 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size} B"


def _incoming_file(item: Any) -> tuple[str, bytes] | None:
    """(name, content) from an Attachment, an API dict or an uploaded file."""
    if isinstance(item, Attachment):
        return item.name, item.content
    if isinstance(item, dict):
        name = str(item.get("name") or "")
        if "content" in item and isinstance(item["content"], bytes):
            return name, item["content"]
        try:
            return name, base64.b64decode(item.get("content_base64") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            return None
    if hasattr(item, "read"):
        if hasattr(item, "seek"):
            item.seek(0)
        return str(getattr(item, "name", "") or ""), item.read()
    return None


@register
class AttachmentType(FieldType):
    key = "attachment"
    label = _("Attachment")
    options = ("allowed_types", "max_size", "max_files")

    def coerce(self, spec, raw, ctx):
        if raw is None or raw == "" or raw == []:
            return [], []
        items = raw if isinstance(raw, list | tuple) else [raw]
        max_files = int(spec.get("max_files") or 1)
        allowed = spec.get("allowed_types") or DEFAULT_ALLOWED
        max_size = int(spec.get("max_size") or DEFAULT_MAX_SIZE)
        issues: list[Issue] = []
        if len(items) > max_files:
            issues.append(
                (
                    "",
                    str(
                        ngettext_lazy(
                            "You can attach at most %(max)d file.",
                            "You can attach at most %(max)d files.",
                            max_files,
                        )
                        % {"max": max_files}
                    ),
                )
            )
        value: list[Attachment] = []
        for item in items:
            incoming = _incoming_file(item)
            if incoming is None:
                issues.append(("", str(_("The file could not be read."))))
                continue
            name, content = incoming
            name = _safe_filename(name) or "plik"
            if not content:
                issues.append(("", str(_("The file “%(name)s” is empty.") % {"name": name})))
                continue
            if len(content) > max_size:
                issues.append(
                    (
                        "",
                        str(
                            _("The file “%(name)s” is %(size)s; the limit is %(limit)s.")
                            % {
                                "name": name,
                                "size": human_size(len(content)),
                                "limit": human_size(max_size),
                            }
                        ),
                    )
                )
                continue
            try:  # before anything reads the content as a format (ClamAV when configured)
                antivirus.scan(content=content, name=name)
            except antivirus.AntivirusRefusal as refusal:
                issues.append(("", str(refusal.message)))
                continue
            kind = sniff(content)
            claimed = extension_kind(name)
            if claimed is not None and claimed != kind.key and not _compatible(claimed, kind.key):
                issues.append(
                    (
                        "",
                        str(
                            _(
                                "The file “%(name)s” is not what its name says: "
                                "its content is %(actual)s."
                            )
                            % {"name": name, "actual": kind.label}
                        ),
                    )
                )
                continue
            if kind.key not in allowed:
                issues.append(
                    (
                        "",
                        str(
                            _("The file “%(name)s” is %(actual)s; allowed here: %(allowed)s.")
                            % {
                                "name": name,
                                "actual": kind.label,
                                "allowed": ", ".join(
                                    KINDS[k].extensions[0].upper() for k in allowed if k in KINDS
                                ),
                            }
                        ),
                    )
                )
                continue
            value.append(Attachment(name=name, content_type=kind.mime, content=content))
        return value, issues

    def to_xml(self, parent, spec, value, ctx):
        el = _sub(parent, ctx.ns + spec["name"])
        for attachment in value:
            ctx.attachments.append(attachment)
            _sub(el, ctx.ns + "Plik").set("nr", str(len(ctx.attachments)))

    def from_xml(self, el, spec, ctx):
        return [ctx.zalaczniki[int(child.get("nr")) - 1] for child in el]

    def xsd(self, element, spec, form_prefix):
        complex_ = _xs(element, "complexType")
        seq = _xs(complex_, "sequence")
        plik = _xs(seq, "element", name="Plik", maxOccurs=int(spec.get("max_files") or 1))
        plik_type = _xs(plik, "complexType")
        _xs(plik_type, "attribute", name="nr", type="xs:positiveInteger", use="required")


def _compatible(claimed: str, actual: str) -> bool:
    return {claimed, actual} <= {"xml", "txt"}


def _safe_filename(name: str) -> str:
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", " ".join(name.split()))
    return name[:200]


# --- repeating groups -----------------------------------------------------------------------


@register
class GroupType(FieldType):
    key = "group"
    label = _("Repeating group")
    options = ("min_items", "max_items")

    # coerce/to_xml/from_xml of groups are done by the validation and document modules,
    # which walk the children with the same code as top-level fields.
    def coerce(self, spec, raw, ctx):  # pragma: no cover - handled by validation
        raise NotImplementedError

    def xsd(self, element, spec, form_prefix):  # pragma: no cover - handled by xsd module
        raise NotImplementedError
