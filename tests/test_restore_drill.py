"""The restore drill: back up a running installation, restore it into a new empty one, verify
the audit chains and every stored document, and file again there. On PostgreSQL (CI's second
pass) with pg_dump/pg_restore and the stored documents in an S3 bucket (restored into a new,
empty bucket), on the embedded default with SQLite's online backup API and a directory.

The restored side runs as separate ``manage.py`` processes on their own database and file
storage, as an operator would run them on a new machine (with the same key material, which is
not part of a backup: see docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import connection

from documents.models import Receipt, Stage, Submission
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
from tests.support import database_url, object_storage_bucket_ensure

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
from documents.models import Submission
from sekap.storage import stored_document_problems

assert bytes(done.document) == signed and list(stored_document_problems()) == []
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


def _new_storage(tmp_path: Path, settings) -> tuple[dict, callable]:
    """An empty storage of the same kind (a new bucket on object storage, a new directory on
    the file system): its STORAGES entry and how to remove it."""
    default = settings.STORAGES["default"]
    if "bucket_name" not in default.get("OPTIONS", {}):
        location = str(tmp_path / "restored-media")
        return (
            {"BACKEND": "django.core.files.storage.FileSystemStorage",
             "OPTIONS": {"location": location}},
            lambda: None,
        )  # fmt: skip
    bucket = f"sekap-drill-{uuid.uuid4().hex[:8]}"
    entry = {**default, "OPTIONS": {**default["OPTIONS"], "bucket_name": bucket, "location": ""}}
    object_storage_bucket_ensure(entry)

    def drop() -> None:
        target = storages.create_storage(entry)
        target.bucket.objects.all().delete()
        target.bucket.delete()

    return entry, drop


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

    first.refresh_from_db()
    stored = {
        f"files/{key}": hashlib.sha256(bytes(key)).hexdigest()
        for key in (
            Submission.objects.values_list("document", flat=True).get(pk=first.pk),
            Receipt.objects.values_list("xml", flat=True).get(submission=first),
        )
    }

    result = backup_create(directory=tmp_path / "backups", keep_days=14)
    manifest = backup_verify(path=result.path)
    assert manifest["engine"] == connection.vendor
    names = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert "files/poa/2026/pelnomocnictwo.pdf" in names
    assert {name: names.get(name) for name in stored} == stored  # streamed, SHA-256 per object
    assert {h["key"] for h in manifest["audit_heads"]} >= {"platform", f"office:{setup.office.pk}"}

    url, drop = _new_database(tmp_path)
    restored_storage, drop_storage = _new_storage(tmp_path, settings)
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
        f"STORAGES = {{**STORAGES, 'default': {restored_storage!r}}}\n"
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
        target = storages.create_storage(restored_storage)
        with target.open("poa/2026/pelnomocnictwo.pdf", "rb") as handle:
            assert handle.read() == b"%PDF-1.7 scan"
        for name, sha256 in stored.items():
            with target.open(name.removeprefix("files/"), "rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == sha256
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
        drop_storage()


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
