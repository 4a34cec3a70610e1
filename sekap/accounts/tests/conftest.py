from __future__ import annotations

import pytest
from django.db.models.sql.compiler import SQLCompiler


@pytest.fixture
def compiled(monkeypatch) -> list[str]:
    """The SQL of every query the ORM compiles from here on (cleared by the test as it needs)."""
    calls: list[str] = []
    as_sql = SQLCompiler.as_sql

    def counted(self, *args, **kwargs):
        sql, params = as_sql(self, *args, **kwargs)
        calls.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counted)
    return calls
