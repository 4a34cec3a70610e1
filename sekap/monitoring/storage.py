"""Object-storage use: objects and bytes in the document storage (free disk space of the local
directories is ``sekap.monitoring.collectors.disk_samples``)."""

from __future__ import annotations

from sekap.storage import document_storage, storage_usage_record, storage_usage_recorded

from .samples import Sample


def storage_samples() -> list[Sample]:
    """Objects and bytes in the document storage as last measured (beat job
    ``operations-storage-usage``; on a local directory measured now when never measured)."""
    samples = []
    recorded = storage_usage_recorded()
    if recorded is None and getattr(document_storage(), "bucket", None) is None:
        storage_usage_record()  # a directory (the embedded default): a walk is cheap enough
        recorded = storage_usage_recorded()
    if recorded is not None:
        usage, measured_at = recorded
        samples += [
            Sample(
                "sekap_object_storage_objects",
                "Objects in the document storage (bucket or directory), as last measured.",
                usage.objects,
            ),
            Sample(
                "sekap_object_storage_bytes",
                "Bytes in the document storage (bucket or directory), as last measured.",
                usage.bytes,
            ),
            Sample(
                "sekap_object_storage_measured_timestamp_seconds",
                "Unix time of the last measurement of the document storage.",
                measured_at,
            ),
        ]
    return samples
