"""Case search: the text column, its full-text index on PostgreSQL, work-list indexes."""

from django.conf import settings
from django.db import migrations, models

# PostgreSQL: full-text search over Case.search_text that ignores Polish diacritics. unaccent()
# is not IMMUTABLE (it depends on the dictionary), so an index needs an immutable wrapper
# naming the dictionary explicitly. The "simple" configuration: PostgreSQL has no Polish
# stemmer, and case signs, names and numbers must match as written.
PG_SEARCH = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE OR REPLACE FUNCTION documents_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;
CREATE INDEX documents_case_fts ON documents_case
    USING gin (to_tsvector('simple'::regconfig, documents_unaccent(search_text)));
"""
PG_SEARCH_DROP = """
DROP INDEX IF EXISTS documents_case_fts;
DROP FUNCTION IF EXISTS documents_unaccent(text);
"""


def add_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_SEARCH)


def drop_search(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_SEARCH_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_identity_unique_among_verified'),
        ('documents', '0007_case_event_position_and_sharing'),
        ('offices', '0007_membership_position'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='search_text',
            field=models.TextField(blank=True, default='', editable=False),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['assignee', 'status'], name='documents_case_assignee'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(fields=['office', 'deadline'], name='documents_case_deadline'),
        ),
        migrations.RunPython(add_search, drop_search),
    ]
