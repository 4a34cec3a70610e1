"""Money is never a float: no model field, serializer field or fee rule computes money in
binary floating point (DESIGN.md §5)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from django.apps import apps
from django.db import models
from rest_framework import serializers

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "sekap",
    "offices",
    "forms_platform",
    "documents",
    "payments",
    "signatures",
    "certauth",
    "portal",
]


def test_no_model_stores_anything_as_float():
    floats = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.split(".")[0] in APPS
        for field in model._meta.get_fields()
        if isinstance(field, models.FloatField)
    ]
    assert floats == []


def test_money_fields_are_whole_grosze():
    money = [
        (model._meta.label, field.name, type(field).__name__)
        for model in apps.get_models()
        if model.__module__.split(".")[0] in APPS
        for field in model._meta.get_fields()
        if "grosze" in field.name or field.name in ("amount", "price", "fee")
    ]
    assert money, "the scan must see the payments models"
    wrong = [m for m in money if m[2] not in ("PositiveBigIntegerField", "BigIntegerField")]
    assert wrong == []


def _serializer_classes():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".tests" in info.name or ".migrations" in info.name:
                continue
            if not (info.name.endswith("api") or "serializer" in info.name):
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(cls, serializers.BaseSerializer)
                    and cls.__module__ == module.__name__
                ):
                    yield cls


def test_no_serializer_field_is_a_float():
    found = list(_serializer_classes())
    assert len(found) > 5, "the scan must see the API serializers"
    floats = []
    for cls in found:
        try:
            fields = cls().fields if issubclass(cls, serializers.Serializer) else {}
        except Exception:  # a serializer needing context: fall back to its declared fields
            fields = getattr(cls, "_declared_fields", {})
        floats += [
            f"{cls.__name__}.{n}"
            for n, f in fields.items()
            if isinstance(f, serializers.FloatField)
        ]
    assert floats == []


def test_payments_code_never_calls_float():
    calls = []
    for path in (ROOT / "payments").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "float":
                calls.append(f"{path.name}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, float):
                calls.append(f"{path.name}:{node.lineno} literal")
    assert calls == []
