"""Sessions move to ``accounts.UserSession``, which keeps each session's user id beside it (the
session engine ``sekap.accounts.session_db``). The live sessions of ``django_session`` are
copied with their user id read once, so that nobody is logged out by the move."""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import migrations, models
from django.utils import timezone


def _user_id(data: dict) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def copy_live_sessions(apps, schema_editor):
    Session = apps.get_model("sessions", "Session")
    UserSession = apps.get_model("accounts", "UserSession")
    store = SessionStore()
    live = Session.objects.filter(expire_date__gt=timezone.now())
    batch = []
    for key, data, expires in live.values_list(
        "session_key", "session_data", "expire_date"
    ).iterator(chunk_size=500):
        user_id = _user_id(store.decode(data))
        batch.append(
            UserSession(session_key=key, session_data=data, expire_date=expires, user_id=user_id)
        )
        if len(batch) == 500:
            UserSession.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    UserSession.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_retention_notices"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(copy_live_sessions, migrations.RunPython.noop),
    ]
