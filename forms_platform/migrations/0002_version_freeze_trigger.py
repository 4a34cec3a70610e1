"""Database guard: a non-draft form version's frozen columns can never be updated.

The service layer refuses such changes first; this trigger makes the rule hold for every
writer (raw SQL, admin, a buggy migration). PostgreSQL and SQLite each get their trigger.
"""

from django.db import migrations

FROZEN = (
    "template_id",
    "number",
    "definition",
    "description",
    "xsd",
    "xsl",
    "namespace",
    "identifier",
    "valid_from",
    "content_hash",
    "published_at",
    "published_by_id",
    "created_at",
)
TABLE = "forms_platform_formversion"
MESSAGE = "forms_platform: a published form version cannot be changed"


def _pg_sql() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FROZEN)
    return [
        f"""
        CREATE OR REPLACE FUNCTION forms_platform_version_frozen() RETURNS trigger AS $$
        BEGIN
            IF OLD.status <> 'draft' AND (
                {changed}
                OR (OLD.status = 'withdrawn' AND (NEW.status IS DISTINCT FROM OLD.status
                                                  OR NEW.valid_to IS DISTINCT FROM OLD.valid_to))
                OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'withdrawn'))
            ) THEN
                RAISE EXCEPTION '{MESSAGE} (id %)', OLD.id USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"DROP TRIGGER IF EXISTS forms_platform_version_frozen ON {TABLE};",
        f"""
        CREATE TRIGGER forms_platform_version_frozen BEFORE UPDATE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION forms_platform_version_frozen();
        """,
    ]


def _sqlite_sql() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)
    return [
        "DROP TRIGGER IF EXISTS forms_platform_version_frozen;",
        f"""
        CREATE TRIGGER forms_platform_version_frozen BEFORE UPDATE ON {TABLE}
        FOR EACH ROW WHEN OLD.status <> 'draft' AND (
            {changed}
            OR (OLD.status = 'withdrawn' AND (NEW.status IS NOT OLD.status
                                              OR NEW.valid_to IS NOT OLD.valid_to))
            OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'withdrawn'))
        )
        BEGIN
            SELECT RAISE(ABORT, '{MESSAGE}');
        END;
        """,
    ]


def create_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": _pg_sql, "sqlite": _sqlite_sql}.get(vendor)
    if statements is None:
        return
    for sql in statements():
        schema_editor.execute(sql, params=None)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS forms_platform_version_frozen ON {TABLE};", params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS forms_platform_version_frozen();")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS forms_platform_version_frozen;")


class Migration(migrations.Migration):
    dependencies = [("forms_platform", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
