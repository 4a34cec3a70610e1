"""The submissions table's indexes are the ones its model declares (migration 0027 changed the
fields in Django's state and dropped the indexes by name: this checks the two agree)."""

from __future__ import annotations

import pytest
from django.db import connection

from documents.models import Submission

pytestmark = pytest.mark.django_db

TABLE = Submission._meta.db_table


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, TABLE)
    return {name: c["columns"] for name, c in found.items() if c["index"]}


def test_no_index_is_written_for_what_is_never_searched_or_led_by_another():
    alone = [columns for columns in _indexes().values() if len(columns) == 1]
    for column in ("sha256", "office_id", "submitter_id"):
        assert [column] not in alone, column
    # what serves those reads instead: the idempotency key, "my submissions", the ESP pull
    leading = {columns[0] for columns in _indexes().values() if len(columns) > 1}
    assert {"office_id", "submitter_id"} <= leading


def test_sparse_foreign_keys_are_indexed_where_set():
    indexes = _indexes()
    for name, column in (
        ("documents_sub_company", "company_id"),
        ("documents_sub_reply_to", "reply_to_id"),
        ("documents_sub_esp_by", "esp_confirmed_by_id"),
        ("documents_sub_esp_token", "esp_confirmed_token_id"),
    ):
        assert indexes.get(name) == [column], name
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
                (definition,) = cursor.fetchone()
            assert definition.endswith(f"WHERE ({column} IS NOT NULL)"), definition
