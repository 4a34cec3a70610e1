"""Stored evidence still matches its recorded SHA-256 (after a restore, or at any time).

Named by ``BACKUP_VERIFIERS``: ``manage.py restore`` runs it on the restored installation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from .models import Letter, Receipt, Submission

_STORED = ((Submission, "document"), (Receipt, "xml"), (Letter, "xml"))


def stored_document_problems() -> Iterator[str]:
    """One line per stored document whose bytes no longer match their SHA-256."""
    for model, field in _STORED:
        rows = model.objects.values_list("pk", field, "sha256").iterator(chunk_size=500)
        for pk, data, expected in rows:
            if hashlib.sha256(bytes(data)).hexdigest() != expected:
                yield f"{model._meta.label} {pk}: {field} does not match its SHA-256"
