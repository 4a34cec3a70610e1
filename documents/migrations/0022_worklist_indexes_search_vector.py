"""Work-list indexes (open cases in the lists' order) and a stored full-text vector.

PostgreSQL: the search vector of a case becomes a stored generated column (the same
``to_tsvector('simple', documents_unaccent(search_text))`` as migration 0008's expression
index) with a GIN index on it, and extended statistics on office, department and assignee. The expression
index had to recompute the vector of every row
the bitmap rechecks, and gave the planner no statistics on the words; the stored column gives
both (a frequent word is then read in date order from the office's index, a rare one from the
GIN index). The column is not a model field: it is written by PostgreSQL alone, read by
``documents.selectors.search``; SQLite has no such column (its search is a substring filter).

The statistics: a department and a clerk belong to one office, and every visibility filter
names the office as well; without them PostgreSQL multiplies the selectivities, expects a
few dozen rows where there are thousands and sorts them instead of reading the first rows of
the work-list index in order.
"""

from django.conf import settings
from django.db import migrations, models

PG_VECTOR = """
ALTER TABLE documents_case ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, documents_unaccent(search_text))) STORED;
CREATE INDEX documents_case_search_vector ON documents_case USING gin (search_vector);
DROP INDEX IF EXISTS documents_case_fts;
CREATE STATISTICS IF NOT EXISTS documents_case_office_department (dependencies, ndistinct)
    ON office_id, department_id, assignee_id FROM documents_case;
ANALYZE documents_case;
"""
PG_VECTOR_DROP = """
DROP STATISTICS IF EXISTS documents_case_office_department;
CREATE INDEX IF NOT EXISTS documents_case_fts ON documents_case
    USING gin (to_tsvector('simple'::regconfig, documents_unaccent(search_text)));
DROP INDEX IF EXISTS documents_case_search_vector;
ALTER TABLE documents_case DROP COLUMN IF EXISTS search_vector;
"""


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_VECTOR)


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_VECTOR_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_retention_notices'),
        ('documents', '0021_scan_virus_check'),
        ('offices', '0010_attachment_signatures'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ('closed', 'final', 'unexamined')), _negated=True), fields=['department', 'deadline', 'opened_at', 'id', 'office', 'assignee'], name='documents_case_open_dept'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ('closed', 'final', 'unexamined')), _negated=True), fields=['office', 'deadline', 'opened_at', 'id', 'department', 'assignee'], name='documents_case_open_office'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ('closed', 'final', 'unexamined')), _negated=True), fields=['assignee', 'deadline', 'opened_at', 'id', 'office', 'department'], name='documents_case_open_assignee'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('status__in', ('closed', 'final', 'unexamined')), _negated=True), fields=['office', 'status', 'deadline', 'opened_at', 'id', 'department', 'assignee'], name='documents_case_open_status'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(models.Q(('status__in', ('closed', 'final', 'unexamined')), _negated=True), ('assignee__isnull', True)), fields=['office', 'opened_at', 'id', 'department'], name='documents_case_unassigned'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['office', '-opened_at', '-id', 'department', 'assignee'], name='documents_case_opened'),
        ),
        migrations.RunPython(add_vector, drop_vector),
    ]
