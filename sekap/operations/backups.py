"""Backups of a SEKAP installation and their restore.

A backup is one directory ``sekap-backup-<UTC time>`` under ``BACKUP_DIR``:

* ``database.dump`` (``pg_dump`` custom format: one consistent snapshot) on PostgreSQL, or
  ``database.sqlite3`` (the SQLite online backup API) on the embedded default;
* ``files/``: every object of the default storage (the stored documents of sekap/storage.py,
  uploads), streamed through Django's storage API, so an S3 bucket is backed up the same way
  as a directory;
* ``manifest.json``: the SHA-256 and size of each of those, the engine, the migrations
  applied and the head of every audit chain.

``backup_restore`` refuses a backup whose files do not match the manifest, restores only into
an empty installation (a database without tables, a storage without objects: a new bucket or
directory), writes every object back, and then runs the
``BACKUP_VERIFIERS`` (the audit chain, the stored documents' SHA-256) and checks that the audit
chains end where the manifest says. Key material (``var/``: the CA's and seals' keys, or the
HSM) is not in the backup: it has its own custody (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import Storage
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.module_loading import import_string

from sekap.storage import document_keys, document_storage

FORMAT = 1
PREFIX = "sekap-backup-"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database_bytes: int
    files: int
    removed: tuple[str, ...]


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    files: int
    problems: tuple[str, ...]


def backup_dir() -> Path:
    return Path(getattr(settings, "BACKUP_DIR", Path(settings.VAR_DIR) / "backups"))


def backup_create(*, directory: Path | None = None, keep_days: int | None = None) -> BackupResult:
    """Take a backup now, then remove backups older than ``keep_days`` (never the newest).

    Outside any transaction: the database is read by another session (pg_dump) or by SQLite's
    backup, which neither sees nor can wait for uncommitted work."""
    if connection.in_atomic_block:
        raise BackupError("a backup is taken outside a transaction")
    root = directory or backup_dir()
    root.mkdir(parents=True, exist_ok=True)
    created = timezone.now().astimezone(dt.UTC)
    final = root / f"{PREFIX}{created:%Y%m%dT%H%M%S%fZ}"
    work = root / f".{final.name}.partial"
    work.mkdir()
    try:
        database = _dump_database(work)
        files = list(_copy_files(work / "files"))
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "engine": connection.vendor,
            "database": _describe(work, database),
            "files": files,
            "migrations": _migrations(),
            "audit_heads": _audit_heads(),
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        work.rename(final)  # a backup exists only once it is complete
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    keep = keep_days if keep_days is not None else int(getattr(settings, "BACKUP_KEEP_DAYS", 14))
    removed = tuple(_prune(root, keep_days=keep, now=created))
    return BackupResult(final, (final / database).stat().st_size, len(files), removed)


def backup_verify(*, path: Path) -> dict:
    """The manifest of a backup whose every file matches it; raises BackupError otherwise."""
    manifest_file = path / "manifest.json"
    if not manifest_file.is_file():
        raise BackupError(f"{path} is not a SEKAP backup (no manifest.json)")
    manifest = json.loads(manifest_file.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    entries = [manifest["database"], *manifest["files"]]
    for entry in entries:
        name = entry["name"]
        target = path / name
        if not target.is_file() or _sha256(target) != entry["sha256"]:
            raise BackupError(f"{name} is missing or does not match the manifest")
    return manifest


def backup_restore(*, path: Path) -> RestoreResult:
    """Restore a verified backup into this empty installation and verify the result."""
    manifest = backup_verify(path=path)
    if manifest["engine"] != connection.vendor:
        raise BackupError(
            f"the backup is of {manifest['engine']}; this installation runs {connection.vendor}"
        )
    if connection.introspection.table_names():
        raise BackupError("the database is not empty: restore into a new, empty database")
    storage = _storage()
    if any(True for _ in _storage_names(storage)):
        raise BackupError("the file storage is not empty")
    _load_database(path / manifest["database"]["name"], manifest["engine"])
    for entry in manifest["files"]:
        stored_as = entry["name"].removeprefix("files/")
        with (path / entry["name"]).open("rb") as handle:
            saved = storage.save(stored_as, File(handle))
        if saved != stored_as:
            raise BackupError(f"{stored_as} was stored under another name ({saved})")
    problems = list(restored_problems(manifest=manifest))
    return RestoreResult(path, len(manifest["files"]), tuple(problems))


def restored_problems(*, manifest: dict) -> Iterator[str]:
    """What the ``BACKUP_VERIFIERS`` find, and audit chains that end elsewhere than backed up."""
    for dotted in getattr(settings, "BACKUP_VERIFIERS", []):
        yield from import_string(dotted)()
    heads = {head["key"]: head for head in _audit_heads()}
    for head in manifest.get("audit_heads", []):
        now = heads.get(head["key"])
        if now is None or (now["seq"], now["hash"]) != (head["seq"], head["hash"]):
            yield f"audit chain {head['key']} does not end at entry #{head['seq']} as backed up"


def backups(*, directory: Path | None = None) -> list[Path]:
    root = directory or backup_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX))


# --- database -------------------------------------------------------------------------------


def _dump_database(work: Path) -> str:
    if connection.vendor == "postgresql":
        name = "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(work / name)])
        return name
    if connection.vendor == "sqlite":
        name = "database.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(work / name)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return name
    raise BackupError(f"no backup method for {connection.vendor}")


def _load_database(dump: Path, engine: str) -> None:
    if engine == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                str(dump),
            ],
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _run(command: list[str]) -> None:
    """Run a PostgreSQL client tool against this installation's database."""
    params = connection.settings_dict
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    target = [
        f"--host={params.get('HOST') or '127.0.0.1'}",
        f"--port={params.get('PORT') or 5432}",
        f"--username={params.get('USER') or 'postgres'}",
        f"--dbname={params['NAME']}",
    ]
    done = subprocess.run(
        [command[0], *target, *command[1:]],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _audit_heads() -> list[dict]:
    from sekap.audit.models import AuditHead

    return [
        {"key": key, "seq": seq, "hash": digest}
        for key, seq, digest in AuditHead.objects.order_by("key").values_list("key", "seq", "hash")
    ]


# --- files ----------------------------------------------------------------------------------


def _storage() -> Storage:
    return document_storage()


def _storage_names(storage: Storage) -> Iterator[str]:
    return document_keys(storage=storage)


def _copy_files(target: Path) -> Iterator[dict]:
    """Each object of the storage (a bucket or a directory), streamed into the backup."""
    storage = _storage()
    target.mkdir()
    for name in sorted(_storage_names(storage)):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as source, destination.open("wb") as out:
            shutil.copyfileobj(source, out, CHUNK)
        yield _describe(target.parent, f"files/{name}")


def _describe(work: Path, name: str) -> dict:
    path = work / name
    return {"name": name, "size": path.stat().st_size, "sha256": _sha256(path)}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _prune(root: Path, *, keep_days: int, now: dt.datetime) -> Iterator[str]:
    existing = backups(directory=root)
    for path in existing[:-1]:  # the newest backup always stays
        try:
            created = dt.datetime.fromisoformat(
                json.loads((path / "manifest.json").read_text())["created_at"]
            )
        except (OSError, ValueError, KeyError):
            continue  # not ours to judge: left for a person
        if now - created > dt.timedelta(days=keep_days):
            shutil.rmtree(path)
            yield path.name
