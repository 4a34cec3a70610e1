"""The metryka names each person's position and the person a deputy stood in for; a case can
be shared with one person (django-guardian); case events become append-only in the database.

PostgreSQL refuses UPDATE and DELETE of case events (a trigger, like the audit trail's).
SQLite refuses UPDATE; DELETE stays possible there because the test runner empties tables
with DELETE between transactional tests (on PostgreSQL the suite's flush, tests/flush.py,
deletes with session_replication_role = replica, under which the trigger does not fire).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


PG_TRIGGER = """
CREATE OR REPLACE FUNCTION documents_case_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_case_event_no_update_delete
    BEFORE UPDATE OR DELETE ON documents_caseevent
    FOR EACH ROW EXECUTE FUNCTION documents_case_event_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS documents_case_event_no_update_delete ON documents_caseevent;
DROP FUNCTION IF EXISTS documents_case_event_append_only();
"""
SQLITE_TRIGGER = """
CREATE TRIGGER documents_case_event_no_update BEFORE UPDATE ON documents_caseevent
BEGIN SELECT RAISE(ABORT, 'case events are append-only (UPDATE refused)'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS documents_case_event_no_update;"


def add_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    sql = {"postgresql": PG_TRIGGER, "sqlite": SQLITE_TRIGGER}.get(vendor)
    if sql:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)  # no parameters: the "%" is PL/pgSQL's


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    sql = {"postgresql": PG_DROP, "sqlite": SQLITE_DROP}.get(vendor)
    if sql:
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('documents', '0006_merge_deadlines_inbox_outbox'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='caseevent',
            name='actor_position',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='caseevent',
            name='on_behalf_of',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='caseevent',
            name='on_behalf_of_label',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.CreateModel(
            name='CaseUserObjectPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='documents.case')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'abstract': False,
                'unique_together': {('user', 'permission', 'content_object')},
            },
        ),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
