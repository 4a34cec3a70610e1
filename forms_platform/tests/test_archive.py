"""Export and import: one deterministic archive, reproduced byte for byte."""

from __future__ import annotations

import io
import zipfile

import pytest

from forms_platform import selectors, services
from forms_platform.errors import ArchiveInvalid, TemplateExists
from forms_platform.models import FormTemplate, FormVersion

from .factories import ADDRESSEE, SENDER, make_published

pytestmark = pytest.mark.django_db

GOOD = {
    "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
    "Rodzaj": "zwykla",
}


def _rows(template):
    return list(
        FormVersion.objects.filter(template=template)
        .order_by("number")
        .values(
            "number",
            "status",
            "definition",
            "description",
            "xsd",
            "xsl",
            "namespace",
            "identifier",
            "valid_from",
            "valid_to",
            "content_hash",
            "published_at",
        )
    )


def test_export_import_reproduces_the_template_byte_for_byte():
    version = make_published()
    services.draft_create(actor=None, template=version.template)  # a draft travels too
    template = version.template
    exported = services.template_export(template=template)
    assert exported == services.template_export(template=template)  # deterministic
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert names[:6] == [
        "template.json",
        "versions/0001/version.json",
        "versions/0001/definition.json",
        "versions/0001/description.json",
        "versions/0001/schemat.xsd",
        "versions/0001/styl.xsl",
    ]
    document = selectors.build_document(
        version=version, data=GOOD, sender=SENDER, addressee=ADDRESSEE
    )
    rows = _rows(template)
    template.delete()  # as if moving to another region's repository

    with pytest.raises(selectors.DocumentInvalid):
        selectors.parse_document(document)
    imported = services.template_import(actor=None, data=exported)
    assert services.template_export(template=imported) == exported
    assert _rows(imported) == rows
    assert selectors.parse_document(document)[0] == version.identifier  # old documents still open


def test_import_refuses_existing_slug_and_tampered_archives():
    version = make_published()
    exported = services.template_export(template=version.template)
    with pytest.raises(TemplateExists):
        services.template_import(actor=None, data=exported)
    version.template.delete()

    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("schemat.xsd"):
                data = data.replace(b'name="Kwota"', b'name="Suma"')
            target.writestr(info, data)
    with pytest.raises(ArchiveInvalid):
        services.template_import(actor=None, data=buffer.getvalue())
    with pytest.raises(ArchiveInvalid):
        services.template_import(actor=None, data=b"not a zip")
    assert not FormTemplate.objects.exists()
