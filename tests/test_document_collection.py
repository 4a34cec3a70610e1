"""Unreferenced stored documents are collected (sekap.storage.unreferenced_documents_collect):
an object no row names and older than the grace period is deleted; an object a row names, or
one stored within the grace period (its row's transaction may not have committed yet), stays.
On the file system (both database modes) and on the S3 server (CI's object-storage pass)."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from documents.models import RegisterScan
from offices.tests.factories import OfficeFactory
from sekap.accounts.tests.factories import UserFactory
from sekap.storage import (
    COLLECT_GRACE,
    StoredDocumentMissing,
    document_put,
    document_read,
    unreferenced_documents_collect,
)

pytestmark = pytest.mark.django_db

LATER = timezone.now() + dt.timedelta(hours=25)  # past the 24 hours' grace of all three


def _scan(content: bytes) -> RegisterScan:
    return RegisterScan.objects.create(
        office=OfficeFactory(),
        filename="skan.pdf",
        content_type="application/pdf",
        content=document_put(data=content, kind="scans"),
        sha256="",
        size=len(content),
        uploaded_at=timezone.now(),
        uploaded_by=UserFactory(),
    )


def _three() -> tuple[str, str, str]:
    named = _scan(b"%PDF-1.7 named").content.key
    orphan = document_put(data=b"%PDF-1.7 orphan", kind="scans").key
    orphan_letter = document_put(data=b"<Pismo>orphan</Pismo>", kind="letters").key
    return named, orphan, orphan_letter


def _exists(key: str) -> bool:
    try:
        document_read(key=key)
    except StoredDocumentMissing:
        return False
    return True


def test_only_old_unreferenced_documents_are_deleted():
    named, orphan, orphan_letter = _three()
    assert unreferenced_documents_collect() == 0  # all within the grace period
    assert unreferenced_documents_collect(now=LATER) == 2
    assert _exists(named)
    assert not _exists(orphan) and not _exists(orphan_letter)
    assert unreferenced_documents_collect(now=LATER) == 0  # idempotent


def test_a_document_whose_row_is_deleted_is_collected_and_others_kept():
    scan = _scan(b"%PDF-1.7 retention")
    key = scan.content.key
    other = _scan(b"%PDF-1.7 kept").content.key
    scan.delete()  # retention deletes the row, not the object
    assert _exists(key)
    assert unreferenced_documents_collect(now=LATER) == 1
    assert not _exists(key) and _exists(other)


def test_files_outside_the_documents_are_never_touched():
    storage = storages["default"]
    upload = storage.save("uploads/old.pdf", ContentFile(b"%PDF upload"))
    unreferenced_documents_collect(now=LATER)
    assert storage.exists(upload)


def test_the_command_keeps_young_objects(capsys):
    orphan = document_put(data=b"%PDF-1.7 young", kind="scans").key
    call_command("documents_collect")
    assert _exists(orphan)
    assert "0 unreferenced documents deleted" in capsys.readouterr().out


def test_collection_on_the_s3_server(object_storage):
    named, orphan, orphan_letter = _three()
    assert unreferenced_documents_collect() == 0
    assert unreferenced_documents_collect(now=LATER) == 2
    assert _exists(named) and not _exists(orphan) and not _exists(orphan_letter)


def test_an_old_object_stored_again_is_kept_until_its_new_row_commits():
    """Content addressing: the same bytes stored again find the old object. Its row is not
    committed yet, so the object gets a fresh modified time and outlives the next collection.
    On the file system the object's time is set back; on the S3 server (whose clock cannot be
    set back) this process's clock moves on past half the grace period instead, and the
    object's LastModified must move on (it is copied onto itself)."""
    storage = storages["default"]
    if getattr(storage, "bucket", None) is not None:
        key = document_put(data=b"%PDF-1.7 again on S3", kind="scans").key
        before = storage.get_modified_time(key)
        time.sleep(1.1)  # S3 times have whole seconds
        with time_machine.travel(timezone.now() + COLLECT_GRACE / 2 + dt.timedelta(hours=1)):
            assert document_put(data=b"%PDF-1.7 again on S3", kind="scans").key == key
        assert storage.get_modified_time(key) > before
        assert unreferenced_documents_collect() == 0 and _exists(key)
        return
    key = document_put(data=b"%PDF-1.7 again", kind="scans").key
    three_days_ago = (timezone.now() - dt.timedelta(days=3)).timestamp()
    os.utime(storage.path(key), (three_days_ago, three_days_ago))
    assert document_put(data=b"%PDF-1.7 again", kind="scans").key == key  # a new row's bytes
    assert unreferenced_documents_collect() == 0
    assert _exists(key)
    os.utime(storage.path(key), (three_days_ago, three_days_ago))  # not stored again: collected
    assert unreferenced_documents_collect() == 1


def test_a_partial_file_left_by_an_interrupted_store_is_swept_after_the_grace(settings, tmp_path):
    """A crash between writing an object's temporary file and unlinking it leaves
    ``<key>.<random>.part`` on the file system: no row names it, so the collection deletes it
    once it is older than the grace period; a younger one may be a store in flight and stays."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    key = document_put(data=b"%PDF-1.7 stored", kind="scans").key
    left = tmp_path / f"{key}.0123456789abcdef.part"
    young = tmp_path / f"{key}.fedcba9876543210.part"
    left.write_bytes(b"%PDF-1.7 sto")  # the bytes a crash cut short
    young.write_bytes(b"%PDF")
    old = time.time() - COLLECT_GRACE.total_seconds() - 60
    os.utime(left, (old, old))
    os.utime(tmp_path / key, (old, old))  # the stored object itself: old, and no row names it
    assert unreferenced_documents_collect() == 2
    assert not left.exists() and young.exists()
    assert not _exists(key)
    assert unreferenced_documents_collect() == 0  # idempotent
