"""A small declarative rule language for conditional visibility and requiredness.

Rules are short expressions written by form designers, for example::

    RodzajWniosku == "inne"
    Kwota > 1000 and not Zwolniony is true
    Typ in ["sklep", "lokal"] or Sezonowy is filled

Grammar (keywords are case-insensitive)::

    expr    := or
    or      := and ("or" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | "(" expr ")" | test
    test    := NAME ("is" ("empty" | "filled" | "true" | "false")
                    | OP literal
                    | "in" list)
    OP      := "==" | "!=" | ">" | ">=" | "<" | "<="
    literal := STRING | NUMBER | "true" | "false"
    list    := "[" literal ("," literal)* "]"

A rule compiles to a JSON-able tree (``compile_rule``) that the server evaluates
(``evaluate``) and that the browser script ``static/forms_platform/rules.js`` evaluates with
the same semantics. A field that is missing, empty or hidden counts as "empty": every
comparison with it is false except ``!=``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|>=|<=|>|<)
      | (?P<punct>[\[\](),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "is", "in", "empty", "filled", "true", "false"}


class RuleSyntaxError(ValueError):
    """The rule text is not valid; ``str(exc)`` says where."""


def _tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise RuleSyntaxError(f"unexpected character at position {pos + 1}: {text[pos]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "string":
            tokens.append(("lit", re.sub(r"\\(.)", r"\1", value[1:-1])))
        elif kind == "number":
            tokens.append(("lit", Decimal(value)))
        elif kind == "name" and value.lower() in _KEYWORDS:
            word = value.lower()
            if word in ("true", "false"):
                tokens.append(("kw", word))
            else:
                tokens.append(("kw", word))
        else:
            tokens.append((kind, value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: Any = None) -> Any:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            wanted = value if value is not None else kind
            found = "end of rule" if token is None else repr(token[1])
            raise RuleSyntaxError(f"expected {wanted}, found {found}")
        self.pos += 1
        return token[1]

    def accept(self, kind: str, value: Any = None) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def parse(self) -> dict:
        node = self.or_()
        if self.peek() is not None:
            raise RuleSyntaxError(f"unexpected {self.peek()[1]!r}")
        return node

    def or_(self) -> dict:
        items = [self.and_()]
        while self.accept("kw", "or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else {"any": items}

    def and_(self) -> dict:
        items = [self.unary()]
        while self.accept("kw", "and"):
            items.append(self.unary())
        return items[0] if len(items) == 1 else {"all": items}

    def unary(self) -> dict:
        if self.accept("kw", "not"):
            return {"not": self.unary()}
        if self.accept("punct", "("):
            node = self.or_()
            self.take("punct", ")")
            return node
        return self.test()

    def literal(self) -> Any:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError("expected a value, found end of rule")
        if token[0] == "lit":
            self.pos += 1
            value = token[1]
            if isinstance(value, Decimal):
                return int(value) if value == value.to_integral_value() else str(value)
            return value
        if token[0] == "kw" and token[1] in ("true", "false"):
            self.pos += 1
            return token[1] == "true"
        raise RuleSyntaxError(f"expected a value, found {token[1]!r}")

    def test(self) -> dict:
        field = self.take("name")
        if self.accept("kw", "is"):
            token = self.peek()
            if token and token[0] == "kw" and token[1] in ("empty", "filled", "true", "false"):
                self.pos += 1
                return {"field": field, "op": token[1]}
            raise RuleSyntaxError("expected empty, filled, true or false after 'is'")
        if self.accept("kw", "in"):
            self.take("punct", "[")
            values = [self.literal()]
            while self.accept("punct", ","):
                values.append(self.literal())
            self.take("punct", "]")
            return {"field": field, "op": "in", "value": values}
        op = self.take("op")
        return {"field": field, "op": op, "value": self.literal()}


def compile_rule(text: str) -> dict:
    """Parse rule text into its tree; raise ``RuleSyntaxError`` when it is not valid."""
    if not text or not text.strip():
        raise RuleSyntaxError("the rule is empty")
    return _Parser(_tokenize(text)).parse()


def referenced_fields(tree: dict) -> set[str]:
    """Names of the fields a compiled rule reads."""
    if "field" in tree:
        return {tree["field"]}
    if "not" in tree:
        return referenced_fields(tree["not"])
    names: set[str] = set()
    for item in tree.get("all", []) + tree.get("any", []):
        names |= referenced_fields(item)
    return names


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _comparable(value: Any, literal: Any) -> tuple[Any, Any] | None:
    """Bring a field value and a rule literal to one type, or None if they cannot meet."""
    if isinstance(value, bool) or isinstance(literal, bool):
        return (value, literal) if isinstance(value, bool) and isinstance(literal, bool) else None
    if isinstance(value, dt.date):
        try:
            return value, dt.date.fromisoformat(str(literal))
        except ValueError:
            return None
    if isinstance(value, int | Decimal | float):
        try:
            return Decimal(str(value)), Decimal(str(literal))
        except InvalidOperation:
            return None
    return str(value), str(literal)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def evaluate(tree: dict, lookup: Callable[[str], Any] | Mapping[str, Any]) -> bool:
    """Evaluate a compiled rule; ``lookup`` gives a field's value (None when absent)."""
    get = lookup.get if isinstance(lookup, Mapping) else lookup
    if "all" in tree:
        return all(evaluate(item, get) for item in tree["all"])
    if "any" in tree:
        return any(evaluate(item, get) for item in tree["any"])
    if "not" in tree:
        return not evaluate(tree["not"], get)
    value = get(tree["field"])
    op = tree["op"]
    if op == "empty":
        return _is_empty(value)
    if op == "filled":
        return not _is_empty(value)
    if op in ("true", "false"):
        return value is (op == "true")
    if _is_empty(value):
        return op == "!="
    if op == "in":
        if isinstance(value, list):
            return any(
                (pair := _comparable(v, lit)) is not None and pair[0] == pair[1]
                for v in value
                for lit in tree["value"]
            )
        return any(
            (pair := _comparable(value, lit)) is not None and pair[0] == pair[1]
            for lit in tree["value"]
        )
    if isinstance(value, list):  # multiple choice: == means "contains"
        hit = any(
            (pair := _comparable(v, tree["value"])) is not None and pair[0] == pair[1]
            for v in value
        )
        return hit if op == "==" else (not hit if op == "!=" else False)
    pair = _comparable(value, tree["value"])
    if pair is None:
        return op == "!="
    try:
        return _OPS[op](*pair)
    except TypeError:
        return False
