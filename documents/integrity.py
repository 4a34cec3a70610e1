"""Stored evidence still matches its recorded SHA-256 (after a restore, or at any time).

Named by ``BACKUP_VERIFIERS`` beside ``sekap.storage.stored_document_problems`` (which reads
every stored object and checks it against the hash its key names): this checks that each row's
own ``sha256`` column names the same bytes as its stored object.
"""

from __future__ import annotations

from collections.abc import Iterator

from sekap.storage import StoredDocumentError, sha256_of_key

from .models import Letter, Receipt, Submission

_STORED = ((Submission, "document"), (Receipt, "xml"), (Letter, "xml"))


def stored_document_problems() -> Iterator[str]:
    """One line per stored document whose key does not name its recorded SHA-256."""
    for model, field in _STORED:
        rows = model.objects.values_list("pk", field, "sha256").iterator(chunk_size=500)
        for pk, key, expected in rows:
            try:
                found = sha256_of_key(str(key))
            except StoredDocumentError as exc:
                yield f"{model._meta.label} {pk}: {field}: {exc}"
                continue
            if found != expected:
                yield f"{model._meta.label} {pk}: {field} does not match its SHA-256"
