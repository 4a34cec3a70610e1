"""The document store: every stored document's bytes go through Django's storage API.

Submissions, receipts (UPP/UPD and their PDFs), official letters, scans and the other stored
evidence live as objects of the ``default`` storage (``STORAGES["default"]``): a directory under
``MEDIA_ROOT`` on the embedded default, an S3-compatible bucket (MinIO in docker-compose) when
``OBJECT_STORAGE_URL`` is set. A row keeps only the object's key, and the key names the SHA-256 of
the bytes (``documents/<kind>/<first two hex digits>/<sha256>``): objects are content-addressed,
written once and never changed, so writing the same bytes twice is harmless, and every read
checks the bytes against the hash in their name. A mismatch is logged and raised as
``StoredDocumentCorrupt``: such bytes are never handed on.

A model declares ``StoredBytesField(kind="submissions")`` where it had a ``BinaryField``: the
attribute still reads and takes ``bytes``, the column holds the key. Object storage is a network
call, so no object is written inside a database transaction: ``document_put`` refuses to
(``StoreInsideTransaction``; ``DOCUMENT_STORE_IN_TRANSACTION = "log"`` logs instead), on every
engine, so that the tests catch what S3 would suffer. A
service stores its bytes first, with ``field.store(data)`` or ``document_put``, before its
transaction, and assigns the result (``StoredBytes``: the row records the key only). Assigning
plain bytes still works outside a transaction (the object is written when the row is saved, object
first, row second: a row never points at a missing object). A rolled-back transaction leaves at
worst an unreferenced object.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections, models
from django.db.models.query_utils import DeferredAttribute
from django.utils._os import safe_makedirs

logger = logging.getLogger(__name__)

ROOT = "documents"
KIND = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
KEY = re.compile(r"^documents/[a-z][a-z0-9_-]{0,39}/[0-9a-f]{2}/(?P<sha256>[0-9a-f]{64})$")
# A file system object's bytes before they are linked under their key (``_file_create``); one
# is left only by a crash between writing and unlinking it, and no row ever names it.
PARTIAL = re.compile(
    r"^documents/[a-z][a-z0-9_-]{0,39}/[0-9a-f]{2}/[0-9a-f]{64}\.[0-9a-f]{16}\.part$"
)
CHUNK = 1024 * 1024


class StoredDocumentError(Exception):
    """A stored document cannot be handed on; the message says which and why."""


class StoredDocumentCorrupt(StoredDocumentError):
    """The stored bytes do not match the SHA-256 in their key (changed or damaged)."""


class StoredDocumentMissing(StoredDocumentError):
    """No object is stored under the key a row names."""


class StoreInsideTransaction(RuntimeError):
    """An object was to be written inside a database transaction: store it before."""


def _outside_transaction() -> None:
    """``DOCUMENT_STORE_IN_TRANSACTION``: "refuse" raises ``StoreInsideTransaction``, "log"
    (until every writer stores first) logs an error naming the writer and writes."""
    # the test runner's own per-test transaction does not count; any other atomic block does
    inside = any(
        not getattr(block, "_from_testcase", False)
        for connection in connections.all(initialized_only=True)
        for block in connection.atomic_blocks
    )
    if not inside:
        return
    if getattr(settings, "DOCUMENT_STORE_IN_TRANSACTION", "refuse") == "refuse":
        raise StoreInsideTransaction(
            "a document is written to object storage inside a database transaction: store it "
            "before the transaction (field.store(data)) and assign the result"
        )
    logger.error(
        "a document is written to object storage inside a database transaction", stack_info=True
    )


def document_storage() -> Storage:
    """The one storage every stored document goes through."""
    return storages["default"]


def key_for(*, kind: str, sha256: str) -> str:
    if not KIND.match(kind):
        raise ValueError(f"not a document kind: {kind!r}")
    return f"{ROOT}/{kind}/{sha256[:2]}/{sha256}"


def sha256_of_key(key: str) -> str:
    found = KEY.match(key)
    if found is None:
        raise StoredDocumentError(f"{key!r} is not a document key")
    return found["sha256"]


class StoredBytes(bytes):
    """Bytes known to be stored under ``key`` (returned by ``document_put``)."""

    key: str

    def __new__(cls, data: bytes, key: str) -> StoredBytes:
        value = super().__new__(cls, data)
        value.key = key
        return value


class StoredRef(str):
    """A document key as a query returns it (``values_list("document")``); ``bytes(ref)``
    reads the document and checks its hash."""

    def __bytes__(self) -> bytes:
        return document_read(key=str(self))


def document_put(*, data: bytes, kind: str, in_transaction: bool = False) -> StoredBytes:
    """Store ``data`` (if not stored already) and return it with its key. Refused inside a
    transaction unless ``in_transaction`` says the caller knowingly holds one (a migration)."""
    if not in_transaction:
        _outside_transaction()
    data = bytes(data)
    key = key_for(kind=kind, sha256=hashlib.sha256(data).hexdigest())
    storage = document_storage()
    if type(storage) is FileSystemStorage:
        if not _file_create(storage, key, data):
            _keep_young(storage, key)
    elif not storage.exists(key):
        saved = storage.save(key, ContentFile(data))
        if saved != key:  # a concurrent writer stored the same bytes first: keep theirs
            storage.delete(saved)
    else:
        _keep_young(storage, key)
    return StoredBytes(data, key)


def _file_create(storage: FileSystemStorage, key: str, data: bytes) -> bool:
    """``FileSystemStorage.save`` of a content-addressed key, without what a key that names
    its bytes does not need (the name checks, ``get_available_name``, the chunked copy through
    a ``File``), with the storage's permissions. False when the object exists already (stored
    before, or by a concurrent writer of the same bytes).

    Durable when it returns, so that a row committed after it names an object that survives a
    power loss: the bytes are written under a temporary name and fsynced, then linked under
    their key (never a partial object under its hash, even after a crash), then the directory
    naming them is fsynced (and the parent of each directory made for it)."""
    path = storage.path(key)
    if os.path.lexists(path):
        return False
    directory = os.path.dirname(path)
    named_in = [directory]  # the directories whose entries change
    temporary = f"{path}.{secrets.token_hex(8)}.part"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(temporary, flags, 0o666)
    except FileNotFoundError:  # the first object of its directory
        parent = os.path.dirname(directory)
        while not os.path.isdir(parent):
            parent = os.path.dirname(parent)
        if storage.directory_permissions_mode is not None:
            safe_makedirs(directory, storage.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        while directory != parent:  # each new directory is named in its parent
            directory = os.path.dirname(directory)
            named_in.append(directory)
        fd = os.open(temporary, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if storage.file_permissions_mode is not None:
                os.fchmod(handle.fileno(), storage.file_permissions_mode)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:  # a concurrent writer of the same bytes linked theirs first
        return False
    finally:
        os.unlink(temporary)
    for name in named_in:
        _fsync_directory(name)
    return True


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _keep_young(storage: Storage, key: str) -> None:
    """The same bytes stored again (content addressing) will be named by a row about to be
    committed: an object older than half the collection's grace period is given a fresh
    modified time, so that the collection cannot take it before that row commits."""
    from django.utils import timezone

    if timezone.now() - storage.get_modified_time(key) < COLLECT_GRACE / 2:
        return
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        os.utime(storage.path(key))
        return
    found = bucket.Object(_s3_prefix(storage) + key)  # copied onto itself: a new LastModified
    found.copy_from(
        CopySource={"Bucket": bucket.name, "Key": found.key},
        MetadataDirective="REPLACE",
        ContentType=found.content_type or "application/octet-stream",
        Metadata=found.metadata,
    )


def document_read(*, key: str) -> bytes:
    """The bytes stored under ``key``, checked against the SHA-256 the key names."""
    return stored_file_read(name=key, sha256=sha256_of_key(key))


def stored_file_read(*, name: str, sha256: str) -> bytes:
    """The bytes of the stored file ``name`` (an upload of a ``FileField``, or a document),
    checked against the SHA-256 recorded for it."""
    key, expected = name, sha256
    storage = document_storage()
    try:
        with storage.open(key, "rb") as handle:
            data = handle.read()
    except Exception as exc:  # each backend says "missing" its own way
        if not _exists(storage, key):
            logger.error("stored document %s is missing", key)
            raise StoredDocumentMissing(f"no stored document {key}") from exc
        raise
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        logger.error(
            "stored document %s does not match its SHA-256 (read %s); refused",
            key,
            actual,
            extra={"storage_key": key, "sha256_read": actual},
        )
        raise StoredDocumentCorrupt(
            f"stored document {key} does not match its SHA-256: it was changed or damaged"
        )
    return data


def _exists(storage: Storage, key: str) -> bool:
    try:
        return storage.exists(key)
    except Exception:  # the storage is unreachable: not "missing"
        return True


def document_keys(*, storage: Storage | None = None) -> Iterator[str]:
    """Every object name in the storage (documents and other files), in no set order: one
    paginated listing of the bucket on S3, a walk of the directory otherwise."""
    storage = storage or document_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        yield from _walk(storage, "")
        return
    prefix = _s3_prefix(storage)
    for summary in bucket.objects.filter(Prefix=prefix):
        yield summary.key.removeprefix(prefix)


def _s3_prefix(storage: Storage) -> str:
    location = (getattr(storage, "location", "") or "").strip("/")
    return f"{location}/" if location else ""


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}{sub}/")


@dataclass(frozen=True)
class Usage:
    objects: int
    bytes: int


def storage_usage(*, storage: Storage | None = None) -> Usage:
    """Objects and bytes held (one listing; S3 returns sizes with it, a directory stats)."""
    storage = storage or document_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:  # S3: the listing carries the sizes
        objects = total = 0
        for summary in bucket.objects.filter(Prefix=_s3_prefix(storage)):
            objects += 1
            total += summary.size
        return Usage(objects, total)
    objects = total = 0
    for name in document_keys(storage=storage):
        objects += 1
        total += storage.size(name)
    return Usage(objects, total)


def stored_document_problems() -> Iterator[str]:
    """One line per row whose stored document is missing or does not match its SHA-256 (every
    ``StoredBytesField`` of every model). Named by ``BACKUP_VERIFIERS``."""
    from django.apps import apps

    for model in apps.get_models():
        yield from _uploads_problems(model)
        for field in model._meta.concrete_fields:
            if not isinstance(field, StoredBytesField):
                continue
            rows = model._default_manager.exclude(**{field.attname: ""}).exclude(
                **{f"{field.attname}__isnull": True}
            )
            for pk, key in rows.values_list("pk", field.attname).iterator(chunk_size=500):
                try:
                    document_read(key=str(key))
                except StoredDocumentError as exc:
                    yield f"{model._meta.label} {pk}: {field.name}: {exc}"


USAGE_CACHE_KEY = "sekap:storage-usage"


def storage_usage_record() -> Usage:
    """Measure what the storage holds (one listing) and keep it for the metrics scrape.

    Run by beat (``operations-storage-usage``): listing a large bucket at every scrape would
    cost a request per thousand objects."""
    import time

    from django.core.cache import cache

    usage = storage_usage()
    cache.set(USAGE_CACHE_KEY, (usage.objects, usage.bytes, time.time()), timeout=None)
    return usage


def storage_usage_recorded() -> tuple[Usage, float] | None:
    """The last measurement and its Unix time, or None before the first."""
    from django.core.cache import cache

    found = cache.get(USAGE_CACHE_KEY)
    if found is None:
        return None
    objects, total, measured_at = found
    return Usage(objects, total), measured_at


def _uploads_problems(model) -> Iterator[str]:
    """Uploads (``FileField``) whose model records their SHA-256 in ``<field>_sha256``."""
    names = {f.name for f in model._meta.concrete_fields}
    for field in model._meta.concrete_fields:
        if not isinstance(field, models.FileField) or f"{field.name}_sha256" not in names:
            continue
        rows = model._default_manager.exclude(**{field.name: ""}).exclude(
            **{f"{field.name}_sha256": ""}
        )
        for pk, name, sha256 in rows.values_list("pk", field.name, f"{field.name}_sha256"):
            try:
                stored_file_read(name=name, sha256=sha256)
            except StoredDocumentError as exc:
                yield f"{model._meta.label} {pk}: {field.name}: {exc}"


def is_stored(instance: models.Model, name: str) -> bool:
    """Does the row name a stored document in field ``name``? Read from the key the row holds,
    never from the object store (a page asking whether a PDF exists must not download it)."""
    attname = instance._meta.get_field(name).attname
    if attname not in instance.__dict__:  # deferred: read the key column alone
        instance.refresh_from_db(fields=[attname])
    return bool(instance.__dict__[attname])


# --- the model field --------------------------------------------------------------------------


class _StoredBytesAttribute(DeferredAttribute):
    """Reads give the document's bytes (read once per instance, hash checked); the instance's
    ``__dict__`` keeps the key, as for any column, so deferred loading works unchanged."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        key = super().__get__(instance, cls)
        if key is None or key == "":
            return None
        cache = instance.__dict__.get(self._cache_name)
        if cache is not None and cache.key == key:
            return cache
        data = StoredBytes(document_read(key=key), key)
        instance.__dict__[self._cache_name] = data
        return data

    def __set__(self, instance, value) -> None:
        name = self.field.attname
        if value is None or isinstance(value, str):
            instance.__dict__[name] = value if value is None else str(value)
            return
        data = value if isinstance(value, StoredBytes) else None
        if data is None:
            raw = bytes(value)
            sha256 = hashlib.sha256(raw).hexdigest()
            data = StoredBytes(raw, key_for(kind=self.field.kind, sha256=sha256))
            instance.__dict__.setdefault(_PENDING, set()).add(name)
        instance.__dict__[name] = data.key
        instance.__dict__[self._cache_name] = data

    @property
    def _cache_name(self) -> str:
        return f"_{self.field.attname}_bytes"


_PENDING = "_stored_bytes_pending"


class StoredBytesField(models.CharField):
    """A document kept in the document store; the column holds its key (see the module)."""

    descriptor_class = _StoredBytesAttribute

    def __init__(self, *args, kind: str, **kwargs) -> None:
        if not KIND.match(kind):
            raise ValueError(f"not a document kind: {kind!r}")
        self.kind = kind
        kwargs.setdefault("max_length", 120)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if kwargs.get("max_length") == 120:
            del kwargs["max_length"]
        if kwargs.get("editable") is False:
            del kwargs["editable"]
        return name, path, args, kwargs

    def store(self, data: bytes) -> StoredBytes:
        """Write ``data`` now (before a transaction) and return what to assign to the field."""
        return document_put(data=data, kind=self.kind)

    def pre_save(self, model_instance, add):
        key = model_instance.__dict__.get(self.attname)
        pending = model_instance.__dict__.get(_PENDING)
        if pending and self.attname in pending:
            data = model_instance.__dict__[f"_{self.attname}_bytes"]
            document_put(data=data, kind=self.kind)
            pending.discard(self.attname)
        return key

    def get_prep_value(self, value):
        if isinstance(value, StoredBytes):
            return value.key
        if isinstance(value, bytes | bytearray | memoryview):  # ``update(field=bytes)``
            return document_put(data=bytes(value), kind=self.kind).key
        return super().get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        return None if value is None else StoredRef(value)

    def value_from_object(self, obj):
        return obj.__dict__.get(self.attname)


# --- garbage collection ---------------------------------------------------------------------

# An object younger than this is never collected: it may have been stored just before the
# transaction that records its key (a service stores first, then commits), or by a transaction
# still open. Longer than any transaction or retried task runs.
COLLECT_GRACE = dt.timedelta(hours=24)
COLLECT_BATCH = 500


def _documents_with_age(storage: Storage) -> Iterator[tuple[str, dt.datetime]]:
    """Every document object (``documents/…``) with its last-modified time: on S3 from the one
    paginated listing, otherwise from the file system."""
    bucket = getattr(storage, "bucket", None)
    if bucket is None:
        for name in _walk(storage, f"{ROOT}/"):
            yield name, storage.get_modified_time(name)
        return
    prefix = _s3_prefix(storage)
    for summary in bucket.objects.filter(Prefix=f"{prefix}{ROOT}/"):
        yield summary.key.removeprefix(prefix), summary.last_modified


def _stored_fields_by_kind() -> dict[str, list[tuple[type[models.Model], str]]]:
    from django.apps import apps

    fields: dict[str, list[tuple[type[models.Model], str]]] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, StoredBytesField):
                fields.setdefault(field.kind, []).append((model, field.attname))
    return fields


def unreferenced_documents_collect(
    *, grace: dt.timedelta = COLLECT_GRACE, now: dt.datetime | None = None
) -> int:
    """Delete the document objects no row names (rows deleted by retention, transactions rolled
    back after their bytes were stored) and older than ``grace``, and the temporary files a
    crash left while storing (``PARTIAL``); how many. Mark and sweep in batches: one listing of
    the storage; for each batch of old objects, one query per ``StoredBytesField`` of their
    kind says which are still named. Idempotent; beat runs it daily
    (``operations-documents-collect``), ``manage.py documents_collect`` on demand."""
    from django.utils import timezone

    cutoff = (now or timezone.now()) - grace
    storage = document_storage()
    fields = _stored_fields_by_kind()
    deleted = 0
    batch: list[str] = []
    for name, modified in _documents_with_age(storage):
        if modified >= cutoff:
            continue
        if PARTIAL.match(name) is not None:  # no row names it; older than any store in flight
            storage.delete(name)
            logger.info("partial document %s left by an interrupted store deleted", name)
            deleted += 1
            continue
        if KEY.match(name) is None:
            continue
        batch.append(name)
        if len(batch) == COLLECT_BATCH:
            deleted += _collect_batch(storage, batch, fields, cutoff)
            batch = []
    if batch:
        deleted += _collect_batch(storage, batch, fields, cutoff)
    return deleted


def _collect_batch(storage: Storage, names: list[str], fields, cutoff: dt.datetime) -> int:
    by_kind: dict[str, list[str]] = {}
    for name in names:
        by_kind.setdefault(name.split("/")[1], []).append(name)
    deleted = 0
    for kind, keys in by_kind.items():
        named: set[str] = set()
        for model, attname in fields.get(kind, ()):
            rows = model._base_manager.filter(**{f"{attname}__in": keys})
            named.update(str(key) for key in rows.values_list(attname, flat=True))
        for key in keys:
            # stored again since the listing (``_keep_young``): its row may not be committed
            if key not in named and storage.get_modified_time(key) < cutoff:
                storage.delete(key)
                logger.info("unreferenced document %s deleted", key)
                deleted += 1
    return deleted
