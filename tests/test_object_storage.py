"""Stored documents go through the document store (sekap/storage.py): on the file system by
default, through an S3 server (CI's second pass: OBJECT_STORAGE_URL) when configured. Every read
checks the SHA-256 the key names; changed or missing bytes are refused, never handed on."""

from __future__ import annotations

import hashlib
import logging

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from documents.models import Receipt, Submission
from documents.selectors import submission_document
from documents.services import submission_accept
from documents.tests.fixtures import (  # noqa: F401
    ca,
    citizen,
    document_for,
    pki_dir,
    sekap_trust,
    setup,
)
from sekap.storage import (
    StoredDocumentCorrupt,
    StoredDocumentMissing,
    Usage,
    document_put,
    document_read,
    storage_usage,
    stored_document_problems,
)

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40


def _replace(key: str, data: bytes) -> None:
    """Change a stored object behind the platform's back (a damaged disk, an intruder)."""
    storage = storages["default"]
    storage.delete(key)
    assert storage.save(key, ContentFile(data)) == key


def test_round_trip_through_the_s3_server(object_storage):
    stored = document_put(data=PDF, kind="scans")
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert stored.key == f"documents/scans/{sha256[:2]}/{sha256}"
    # the object is in the bucket, under the test's prefix, with exactly these bytes
    options = object_storage.bucket.meta.client
    raw = boto3.client(
        "s3",
        endpoint_url=options.meta.endpoint_url,
        aws_access_key_id=object_storage.access_key or "x",
        aws_secret_access_key=object_storage.secret_key or "x",
        region_name="us-east-1",
    )
    body = raw.get_object(
        Bucket=object_storage.bucket_name, Key=f"{object_storage.location}/{stored.key}"
    )["Body"].read()
    assert body == PDF
    assert document_read(key=stored.key) == PDF
    # writing the same bytes again is harmless: one object
    assert document_put(data=PDF, kind="scans").key == stored.key
    assert storage_usage() == Usage(objects=1, bytes=len(PDF))

    _replace(stored.key, PDF.replace(b"%PDF-1.7", b"%PDF-1.4"))
    with pytest.raises(StoredDocumentCorrupt, match="does not match its SHA-256"):
        document_read(key=stored.key)
    object_storage.delete(stored.key)
    with pytest.raises(StoredDocumentMissing):
        document_read(key=stored.key)


def test_a_changed_document_is_refused_and_logged(caplog):
    stored = document_put(data=b"<Dokument>oryginal</Dokument>", kind="letters")
    assert document_read(key=stored.key) == b"<Dokument>oryginal</Dokument>"
    _replace(stored.key, b"<Dokument>podmieniony</Dokument>")
    with (
        caplog.at_level(logging.ERROR, logger="sekap.storage"),
        pytest.raises(StoredDocumentCorrupt),
    ):
        document_read(key=stored.key)
    assert f"stored document {stored.key} does not match its SHA-256" in caplog.text


@pytest.mark.django_db
def test_a_submission_is_stored_by_key_and_read_back_checked(setup, citizen, sekap_trust):  # noqa: F811
    signed = citizen.sign(document_for(setup, note="object storage"))
    submission = submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="store",
        channel="portal",
    )
    key = Submission.objects.values_list("document", flat=True).get(pk=submission.pk)
    assert key == f"documents/submissions/{submission.sha256[:2]}/{submission.sha256}"
    assert storages["default"].exists(key)
    assert bytes(Submission.objects.get(pk=submission.pk).document) == signed
    assert bytes(key) == signed  # a queried key reads its document, checked
    receipt = Receipt.objects.get(submission=submission)
    assert bytes(receipt.xml).startswith(b"<?xml")
    assert submission_document(user=citizen.user, public_id=submission.public_id) == signed
    assert list(stored_document_problems()) == []

    _replace(key, signed.replace(b"object storage", b"object storagE"))
    with pytest.raises(StoredDocumentCorrupt):
        Submission.objects.get(pk=submission.pk).document  # noqa: B018
    with pytest.raises(StoredDocumentCorrupt):
        submission_document(user=citizen.user, public_id=submission.public_id)
    assert [line.split(": ")[0] for line in stored_document_problems()] == [
        f"documents.Submission {submission.pk}"
    ]


@pytest.mark.django_db
def test_the_owner_is_not_served_a_changed_document(client, setup, citizen, sekap_trust):  # noqa: F811
    signed = citizen.sign(document_for(setup, note="served"))
    submission = submission_accept(
        submitter=citizen.user,
        service=setup.service,
        signed_xml=signed,
        idempotency_key="served",
        channel="portal",
    )
    client.force_login(citizen.user)
    client.raise_request_exception = False
    _replace(
        Submission.objects.values_list("document", flat=True).get(pk=submission.pk),
        b"<changed/>",
    )
    response = client.get(
        reverse("portal_submission_document", kwargs={"public_id": submission.public_id})
    )
    assert response.status_code == 500
    assert b"<changed/>" not in response.content


@pytest.mark.django_db
def test_a_changed_power_of_attorney_is_not_served_to_the_office(client):
    from offices.tests.factories import MembershipFactory, OfficeFactory
    from sekap.accounts.models import Company, Representation
    from sekap.accounts.tests.factories import StaffFactory, UserFactory, login_with_second_factor

    name = storages["default"].save("poa/2026/pelnomocnictwo.pdf", ContentFile(PDF))
    representation = Representation.objects.create(
        company=Company.objects.create(name="Firma Testowa", nip="5260001246"),
        user=UserFactory(kind="business"),
        power_of_attorney=name,
        power_of_attorney_sha256=hashlib.sha256(PDF).hexdigest(),
    )
    clerk = StaffFactory()
    MembershipFactory(user=clerk, office=OfficeFactory(terc="2466011"))
    login_with_second_factor(client, clerk)
    url = reverse("portal_bo_representation_document", kwargs={"pk": representation.pk})
    assert b"".join(client.get(url).streaming_content) == PDF
    assert list(stored_document_problems()) == []

    _replace(name, PDF.replace(b"%PDF-1.7", b"%PDF-1.4"))
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 500
    assert [line.split(": ")[:2] for line in stored_document_problems()] == [
        [f"accounts.Representation {representation.pk}", "power_of_attorney"]
    ]


@pytest.fixture
def file_store(settings, tmp_path):
    """The embedded default's store (a directory), whatever the run configured."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "file_permissions_mode": 0o640},
        },
    }
    return tmp_path


def test_a_document_is_written_once_under_its_hash_with_the_store_permissions(file_store):
    stored = document_put(data=PDF, kind="submissions")
    path = file_store / stored.key
    assert path.read_bytes() == PDF and path.stat().st_mode & 0o777 == 0o640
    assert document_put(data=PDF, kind="submissions").key == stored.key  # stored before
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no second copy
    assert document_read(key=stored.key) == PDF


def test_a_failed_write_leaves_no_object_under_the_hash(file_store, monkeypatch):
    """A full disk mid-write: the partial object is removed, so that the next store of the
    same bytes writes them instead of taking the damaged object for stored."""
    import errno
    import io
    import os

    class DiskFull(io.RawIOBase):
        def __init__(self, fd: int) -> None:
            self.fd = fd

        def writable(self) -> bool:
            return True

        def write(self, data) -> int:
            os.write(self.fd, bytes(data)[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self) -> None:
            if not self.closed:
                os.close(self.fd)
            super().close()

    fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: DiskFull(fd))
    with pytest.raises(OSError, match="No space left"):
        document_put(data=PDF, kind="submissions")
    key = f"documents/submissions/{hashlib.sha256(PDF).hexdigest()[:2]}/"
    assert not any((file_store / key).iterdir())
    monkeypatch.setattr(os, "fdopen", fdopen)
    stored = document_put(data=PDF, kind="submissions")
    assert document_read(key=stored.key) == PDF


def test_a_stored_document_is_fsynced_and_named_durably_before_the_store_returns(
    file_store, monkeypatch
):
    """A row committed after ``document_put`` must not outlive the object after a power loss:
    the bytes are fsynced (all written) under a temporary name, linked under their hash, then
    the directory naming the object is fsynced, and the parent of each directory made for it;
    no temporary file is left."""
    import os

    synced: list[tuple[str, int]] = []
    fsync = os.fsync
    path = file_store / f"documents/submissions/{hashlib.sha256(PDF).hexdigest()[:2]}"
    path = path / hashlib.sha256(PDF).hexdigest()
    named_before_durable = []

    def recorded(fd: int) -> None:
        synced.append((os.readlink(f"/proc/self/fd/{fd}"), os.fstat(fd).st_size))
        if len(synced) == 1:  # a crash now must leave nothing under the hash
            named_before_durable.append(path.exists())
        fsync(fd)

    monkeypatch.setattr(os, "fsync", recorded)
    stored = document_put(data=PDF, kind="submissions")
    assert file_store / stored.key == path and named_before_durable == [False]
    assert synced[0][0].startswith(f"{path}.") and synced[0][0].endswith(".part")
    assert [name for name, _size in synced[1:]] == [
        str(path.parent),
        str(path.parent.parent),
        str(path.parent.parent.parent),
        str(file_store),
    ]
    assert synced[0][1] == len(PDF)
    synced.clear()
    prefix = hashlib.sha256(PDF).hexdigest()[:2]
    other = next(  # the second object of a directory made already (most often)
        data
        for n in range(100_000)
        if hashlib.sha256(data := PDF + str(n).encode()).hexdigest()[:2] == prefix
    )
    second = document_put(data=other, kind="submissions")
    assert synced[0][0].startswith(f"{file_store / second.key}.")
    assert [name for name, _size in synced[1:]] == [str(path.parent)]
    assert synced[0][1] == len(other)
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, second.key[-64:]])
    synced.clear()
    document_put(data=PDF, kind="submissions")  # stored before: nothing written
    assert synced == []


def test_a_concurrent_writer_of_the_same_bytes_keeps_its_object(file_store, monkeypatch):
    import os

    link, raced_at = os.link, []

    def raced(source, target) -> None:
        raced_at.append(target)
        link(source, target)  # the other writer's complete object, linked first
        link(source, target)

    monkeypatch.setattr(os, "link", raced)
    stored = document_put(data=PDF, kind="submissions")
    path = file_store / stored.key
    assert raced_at == [str(path)]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left
    assert document_read(key=stored.key) == PDF


def test_a_failed_fsync_leaves_no_object_under_the_hash(file_store, monkeypatch):
    import errno
    import os

    def failing(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError, match="Input/output"):
        document_put(data=PDF, kind="submissions")
    folder = file_store / f"documents/submissions/{hashlib.sha256(PDF).hexdigest()[:2]}"
    assert not any(folder.iterdir())
