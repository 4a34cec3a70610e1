"""Submissions: indexes kept where they are read.

- ``sha256`` is compared after a read by key and never searched: its two indexes (the plain
  one and PostgreSQL's ``varchar_pattern_ops`` copy) are dropped.
- ``submitter`` and ``office`` lead other indexes (the idempotency key and
  ``documents_sub_mine``; ``documents_esp``): their own indexes are dropped.
- ``company``, ``reply_to``, ``esp_confirmed_by`` and ``esp_confirmed_token`` are empty in
  most rows: indexed where set (partial indexes), which serves a lookup by one and the PROTECT
  check of a deletion, instead of an index entry for every row.

The fields change in Django's state only; the database drops the indexes by name. Django's
own operation would drop and re-add each foreign key's constraint, re-checking every row of a
large table under lock, for an index it could drop alone.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DROPPED = [
    'DROP INDEX IF EXISTS "documents_submission_company_id_2887587d"',
    'DROP INDEX IF EXISTS "documents_submission_esp_confirmed_by_id_92904b28"',
    'DROP INDEX IF EXISTS "documents_submission_esp_confirmed_token_id_65764e73"',
    'DROP INDEX IF EXISTS "documents_submission_office_id_2269dbe5"',
    'DROP INDEX IF EXISTS "documents_submission_reply_to_id_cbd1b3f8"',
    'DROP INDEX IF EXISTS "documents_submission_sha256_6ffb3110"',
    'DROP INDEX IF EXISTS "documents_submission_sha256_6ffb3110_like"',
    'DROP INDEX IF EXISTS "documents_submission_submitter_id_33e091f5"',
]
RECREATED = [
    'CREATE INDEX "documents_submission_company_id_2887587d" ON "documents_submission" ("company_id")',
    'CREATE INDEX "documents_submission_esp_confirmed_by_id_92904b28" ON "documents_submission" ("esp_confirmed_by_id")',
    'CREATE INDEX "documents_submission_esp_confirmed_token_id_65764e73" ON "documents_submission" ("esp_confirmed_token_id")',
    'CREATE INDEX "documents_submission_office_id_2269dbe5" ON "documents_submission" ("office_id")',
    'CREATE INDEX "documents_submission_reply_to_id_cbd1b3f8" ON "documents_submission" ("reply_to_id")',
    'CREATE INDEX "documents_submission_sha256_6ffb3110" ON "documents_submission" ("sha256")',
    'CREATE INDEX "documents_submission_submitter_id_33e091f5" ON "documents_submission" ("submitter_id")',
]


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_user_sessions"),
        ("documents", "0026_unassigned_index_with_handler"),
        ("forms_platform", "0002_version_freeze_trigger"),
        ("offices", "0011_decision_personal_signature"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="submission",
                    name="company",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="submissions",
                        to="accounts.company",
                        verbose_name="on behalf of",
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="esp_confirmed_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="esp_confirmed_token",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="documents.esptoken",
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="office",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="offices.office",
                        verbose_name="office",
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="reply_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="replies",
                        to="documents.case",
                        verbose_name="reply in case",
                    ),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="sha256",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="submission",
                    name="submitter",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="submissions",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="submitter",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=DROPPED,
                    # back: the plain indexes (PostgreSQL's pattern-ops copy of sha256 is not
                    # needed by any query)
                    reverse_sql=RECREATED,
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("company__isnull", False)),
                fields=["company"],
                name="documents_sub_company",
            ),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("reply_to__isnull", False)),
                fields=["reply_to"],
                name="documents_sub_reply_to",
            ),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("esp_confirmed_by__isnull", False)),
                fields=["esp_confirmed_by"],
                name="documents_sub_esp_by",
            ),
        ),
        migrations.AddIndex(
            model_name="submission",
            index=models.Index(
                condition=models.Q(("esp_confirmed_token__isnull", False)),
                fields=["esp_confirmed_token"],
                name="documents_sub_esp_token",
            ),
        ),
    ]
