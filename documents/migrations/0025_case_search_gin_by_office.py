"""Search by visibility branch: one GIN index over office, department, assignee and the vector.

PostgreSQL (``btree_gin``): the search looks up each way a clerk sees cases on its own
(``documents.selectors.search``): "department 94 and these words", "assigned to me and these
words", "office 35 and these words". The index answers each of them inside the index (the
postings of the office, the department or the person and of the words intersected), instead
of reading every row with a word and checking the visibility OR on each. It replaces the
vector's own GIN index (any subset of its columns can be looked up, the vector alone too).
The department's newest-first index serves a frequent word: the department's cases are
read in date order until a page is full. SQLite has neither (its search is a substring
filter).
"""

from django.db import migrations

PG_FORWARD = """
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX IF NOT EXISTS documents_case_search ON documents_case
    USING gin (office_id, department_id, assignee_id, search_vector);
DROP INDEX IF EXISTS documents_case_search_vector;
CREATE INDEX IF NOT EXISTS documents_case_department_opened ON documents_case
    (department_id, opened_at DESC, id DESC);
"""
PG_BACKWARD = """
CREATE INDEX IF NOT EXISTS documents_case_search_vector ON documents_case
    USING gin (search_vector);
DROP INDEX IF EXISTS documents_case_search;
DROP INDEX IF EXISTS documents_case_department_opened;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("documents", "0024_documents_in_object_storage")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
