"""The restore drill: back up a running installation, restore it into a new empty one, verify
the audit chains and every stored document, and file again there. On PostgreSQL (CI's second
pass) with pg_dump/pg_restore, on the embedded default with SQLite's online backup API.

The restored side runs as separate ``manage.py`` processes on their own database and file
storage, as an operator would run them on a new machine (with the same key material, which is
not part of a backup: see docs/operations.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from documents.models import Stage
from documents.services import intake, submission_accept
from documents.tests.fixtures import (  # noqa: F401
    ca,
    citizen,
    document_for,
    pki_dir,
    sekap_trust,
    setup,
)
from sekap.operations.backups import BackupError, backup_create, backup_restore, backup_verify
from tests.support import database_url

ROOT = Path(__file__).resolve().parent.parent

FILE_AGAIN = """
import sys
from pathlib import Path
from django.contrib.auth import get_user_model
from documents.models import Stage
from documents.services import intake, submission_accept
from offices.models import Service

signed = Path(sys.argv[1]).read_bytes()
user = get_user_model().objects.get(email=sys.argv[2])
submission = submission_accept(
    submitter=user, service=Service.objects.get(pk=int(sys.argv[3])), signed_xml=signed,
    idempotency_key="after-restore", channel="portal",
)
done = intake.intake_process(submission_id=submission.pk)
done.refresh_from_db()
print(done.stage, done.signature_indication, done.register_entry.number, Submission.objects.count())
"""


def _new_database(tmp_path: Path) -> tuple[str, callable]:
    """An empty database of the same engine: its URL and how to drop it."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"{connection.settings_dict['NAME']}_drill_{uuid.uuid4().hex[:6]}"
    admin_url = database_url({**connection.settings_dict, "NAME": "postgres"})

    def run(sql: str) -> None:
        admin = psycopg2.connect(admin_url)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql)
        admin.close()

    run(f'CREATE DATABASE "{name}"')
    return (
        database_url({**connection.settings_dict, "NAME": name}),
        lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'),
    )


def _manage(args: list[str], *, url: str, settings_module: str, settings_dir: Path):
    env = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": f"{settings_dir}:{ROOT}",
    }
    env.pop("REDIS_URL", None)  # tasks in-process, as on the embedded default
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_back_up_restore_verify_and_file_again(
    setup,  # noqa: F811
    citizen,  # noqa: F811
    sekap_trust,  # noqa: F811
    pki_dir,  # noqa: F811
    settings,
    tmp_path,
):
    first = submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=citizen.sign(document_for(setup, note="before the backup")),
        idempotency_key="before",
        channel="portal",
    )
    intake.intake_process(submission_id=first.pk)
    default_storage.save("poa/2026/pelnomocnictwo.pdf", ContentFile(b"%PDF-1.7 scan"))

    result = backup_create(directory=tmp_path / "backups", keep_days=14)
    manifest = backup_verify(path=result.path)
    assert manifest["engine"] == connection.vendor
    assert [f["name"] for f in manifest["files"]] == ["files/poa/2026/pelnomocnictwo.pdf"]
    assert {h["key"] for h in manifest["audit_heads"]} >= {"platform", f"office:{setup.office.pk}"}

    url, drop = _new_database(tmp_path)
    settings_dir = tmp_path / "restored_settings"
    settings_dir.mkdir()
    (settings_dir / "restored_settings.py").write_text(
        "from sekap.settings import *  # noqa\n"
        f"CERTAUTH_PKI_DIR = {str(pki_dir)!r}\n"
        f"CA_KEY_PASSPHRASE = {settings.CA_KEY_PASSPHRASE!r}\n"
        f"CERTAUTH_BASE_URL = {settings.CERTAUTH_BASE_URL!r}\n"
        "CA_PKCS11_MODULE = ''\n"
        f"SIGNATURES_TRUST_ANCHORS_PROVIDER = {settings.SIGNATURES_TRUST_ANCHORS_PROVIDER!r}\n"
        f"MEDIA_ROOT = {str(tmp_path / 'restored-media')!r}\n"
        "EMAIL_BACKEND = 'django.core.mail.backends.locmem.EmailBackend'\n"
    )
    try:
        restored = _manage(
            ["restore", str(result.path)],
            url=url,
            settings_module="restored_settings",
            settings_dir=settings_dir,
        )
        assert restored.returncode == 0, restored.stderr
        assert "verified" in restored.stdout
        assert (tmp_path / "restored-media/poa/2026/pelnomocnictwo.pdf").read_bytes() == (
            b"%PDF-1.7 scan"
        )
        audit = _manage(
            ["audit_verify", "--skip-anchors"],
            url=url,
            settings_module="restored_settings",
            settings_dir=settings_dir,
        )
        assert audit.returncode == 0 and audit.stdout.strip() == "OK", audit.stderr

        signed = tmp_path / "again.xml"
        signed.write_bytes(citizen.sign(document_for(setup, note="after the restore")))
        script = tmp_path / "file_again.py"
        script.write_text(FILE_AGAIN)
        again = _manage(
            ["shell", "-c", f"import sys; sys.argv = ['x', {str(signed)!r}, "
             f"{citizen.user.email!r}, '{setup.service.pk}']; exec(open({str(script)!r}).read())"],
            url=url,
            settings_module="restored_settings",
            settings_dir=settings_dir,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        stage, indication, rpw_number, count = again.stdout.strip().splitlines()[-1].split()
        assert (int(stage), indication, rpw_number, count) == (
            int(Stage.COMPLETED),
            "TOTAL_PASSED",
            "2",
            "2",
        )

        # the same backup cannot be restored over an installation that has data
        twice = _manage(
            ["restore", str(result.path)],
            url=url,
            settings_module="restored_settings",
            settings_dir=settings_dir,
        )
        assert twice.returncode == 2 and "not empty" in twice.stderr
    finally:
        drop()


@pytest.mark.django_db(transaction=True)
def test_a_changed_backup_is_refused_before_anything_is_restored(tmp_path):
    default_storage.save("scans/1.png", ContentFile(b"\x89PNG scan"))
    result = backup_create(directory=tmp_path / "b", keep_days=14)
    (result.path / "files/scans/1.png").write_bytes(b"\x89PNG other")
    with pytest.raises(BackupError, match="does not match the manifest"):
        backup_verify(path=result.path)
    with pytest.raises(BackupError, match="does not match the manifest"):
        backup_restore(path=result.path)
    manifest = json.loads((result.path / "manifest.json").read_text())
    assert manifest["format"] == 1


@pytest.mark.django_db(transaction=True)
def test_old_backups_are_removed_but_never_the_newest(tmp_path, settings):
    root = tmp_path / "b"
    first = backup_create(directory=root, keep_days=14)
    manifest = json.loads((first.path / "manifest.json").read_text())
    manifest["created_at"] = "2026-01-01T00:00:00+00:00"
    (first.path / "manifest.json").write_text(json.dumps(manifest))
    second = backup_create(directory=root, keep_days=14)
    assert second.removed == (first.path.name,)
    assert not first.path.exists() and second.path.exists()
    third = backup_create(directory=root, keep_days=0)
    assert third.removed == (second.path.name,)
    assert [p.name for p in root.iterdir() if not p.name.startswith(".")] == [third.path.name]


@pytest.mark.django_db
def test_no_backup_inside_a_transaction(tmp_path):
    with pytest.raises(BackupError, match="outside a transaction"):
        backup_create(directory=tmp_path / "b", keep_days=14)
