"""Stored documents move out of the database into the document store (sekap/storage.py).

Each ``BinaryField`` becomes a ``StoredBytesField`` of the same name: the bytes of every row are
written to the storage (content-addressed, so running this again writes nothing twice) and the
column then holds the object's key. There is no way back but a backup (docs/operations.md).
"""

import hashlib

from django.db import migrations, models

import sekap.storage

# (model, field, kind, nullable)
FIELDS = [
    ("submission", "document", "submissions", False),
    ("receipt", "xml", "receipts", False),
    ("receipt", "pdf", "receipt-pdfs", True),
    ("letter", "xml", "letters", False),
    ("registerscan", "content", "scans", False),
    ("opinionattachment", "content", "opinion-attachments", False),
    ("decision", "pdf", "decision-pdfs", True),
    ("delivery", "sending_proof", "delivery-proofs", True),
    ("delivery", "receipt_proof", "delivery-proofs", True),
]


def to_storage(apps, schema_editor):
    for model_name, field, kind, _nullable in FIELDS:
        model = apps.get_model("documents", model_name)
        rows = (
            model.objects.exclude(**{f"{field}_in_db": None})
            .values_list("pk", f"{field}_in_db")
            .iterator(chunk_size=200)
        )
        for pk, data in rows:
            data = bytes(data)
            key = sekap.storage.key_for(kind=kind, sha256=hashlib.sha256(data).hexdigest())
            sekap.storage.document_put(data=data, kind=kind, in_transaction=True)
            model.objects.filter(pk=pk).update(**{field: key})


def to_database(apps, schema_editor):
    for model_name, field, _kind, _nullable in FIELDS:
        model = apps.get_model("documents", model_name)
        rows = model.objects.exclude(**{field: None}).exclude(**{field: ""})
        for pk, key in rows.values_list("pk", field).iterator(chunk_size=200):
            data = sekap.storage.document_read(key=str(key))
            model.objects.filter(pk=pk).update(**{f"{field}_in_db": data})


class Migration(migrations.Migration):
    dependencies = [("documents", "0023_decision_personal_signature")]

    operations = [
        *[
            migrations.RenameField(model_name=m, old_name=f, new_name=f"{f}_in_db")
            for m, f, _k, _n in FIELDS
        ],
        # nullable while the bytes move, so that the way back can add the columns to full tables
        *[
            migrations.AlterField(
                model_name=m, name=f"{f}_in_db", field=models.BinaryField(null=True, blank=n)
            )
            for m, f, _k, n in FIELDS
            if not n
        ],
        *[
            migrations.AddField(
                model_name=m,
                name=f,
                field=sekap.storage.StoredBytesField(kind=k, null=True, blank=n),
            )
            for m, f, k, n in FIELDS
        ],
        migrations.RunPython(to_storage, to_database),
        *[migrations.RemoveField(model_name=m, name=f"{f}_in_db") for m, f, _k, _n in FIELDS],
        *[
            migrations.AlterField(
                model_name=m,
                name=f,
                field=sekap.storage.StoredBytesField(
                    kind=k, **({"verbose_name": "signed document"} if f == "document" else {})
                ),
            )
            for m, f, k, n in FIELDS
            if not n
        ],
    ]
