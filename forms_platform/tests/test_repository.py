"""Publishing freezes a version: the service refuses and the database refuses."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from forms_platform import selectors, services
from forms_platform.errors import DefinitionInvalid, DraftExists, FormVersionFrozen
from forms_platform.models import FormVersion, VersionStatus
from sekap.audit.models import AuditEntry

from .factories import ADDRESSEE, SENDER, SMALL_DEFINITION, make_published, make_template

pytestmark = pytest.mark.django_db

GOOD = {
    "Wnioskodawca": {"first_name": "Jan", "last_name": "Kowalski", "pesel": "44051401359"},
    "Rodzaj": "zwykla",
}


def test_publish_assigns_identifier_namespace_and_schema():
    version = make_published()
    assert version.status == VersionStatus.PUBLISHED
    assert version.identifier.count("/") == 3
    assert version.namespace == f"http://sekap.slaskie.pl/wzor_lokalny/{version.identifier}/"
    assert 'name="Wnioskodawca"' in version.xsd
    assert "Wnioskodawca" in version.xsl
    assert (
        AuditEntry.objects.filter(
            action="forms.version_published", target_id=str(version.pk)
        ).count()
        == 1
    )


def test_service_refuses_to_change_published_version_and_nothing_changes():
    version = make_published()
    before = FormVersion.objects.values().get(pk=version.pk)
    audit_count = AuditEntry.objects.count()
    changed = copy.deepcopy(SMALL_DEFINITION)
    changed["steps"][0]["title"] = "Zmieniony"
    with pytest.raises(FormVersionFrozen):
        services.draft_update(actor=None, version=version, definition=changed)
    with pytest.raises(FormVersionFrozen):
        services.field_remove(actor=None, version=version, path="Kwota")
    with pytest.raises(FormVersionFrozen):
        services.version_publish(actor=None, version=version)
    assert FormVersion.objects.values().get(pk=version.pk) == before
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.parametrize(
    "column,value",
    [("xsd", "<x/>"), ("xsl", "<x/>"), ("identifier", "2020/01/01/9999"), ("namespace", "urn:x")],
)
def test_database_refuses_update_of_frozen_column(column, value):
    version = make_published()
    before = FormVersion.objects.values().get(pk=version.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(**{column: value})
    assert FormVersion.objects.values().get(pk=version.pk) == before


def test_database_refuses_raw_sql_definition_change():
    version = make_published()
    before = FormVersion.objects.values().get(pk=version.pk)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forms_platform_formversion SET definition = %s WHERE id = %s",
            ['{"steps": []}', version.pk],
        )
    assert FormVersion.objects.values().get(pk=version.pk) == before


def test_database_refuses_unpublishing_but_allows_withdrawal():
    version = make_published()
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(status=VersionStatus.DRAFT)
    withdrawn = services.version_withdraw(actor=None, version=version)
    assert withdrawn.status == VersionStatus.WITHDRAWN
    with pytest.raises(IntegrityError), transaction.atomic():
        FormVersion.objects.filter(pk=version.pk).update(status=VersionStatus.PUBLISHED)


def test_drafts_stay_editable():
    template = make_template()
    draft = template.versions.get()
    services.field_remove(actor=None, version=draft, path="Kwota")
    draft.refresh_from_db()
    assert [f["name"] for f in draft.definition["steps"][0]["fields"]][:2] == [
        "Wnioskodawca",
        "DataZdarzenia",
    ]


def test_publish_refuses_invalid_definition():
    template = make_template(definition={"format": 1, "steps": []})
    with pytest.raises(DefinitionInvalid) as exc:
        services.version_publish(actor=None, version=template.versions.get())
    assert "The form has no steps." in exc.value.problems[0] or "kroków" in exc.value.problems[0]
    assert template.versions.get().status == VersionStatus.DRAFT


def test_new_version_supersedes_and_old_documents_render_with_old_version():
    v1 = make_published(valid_from=dt.date(2024, 1, 1))
    old_document = selectors.build_document(
        version=v1, data=GOOD, sender=SENDER, addressee=ADDRESSEE
    )
    with pytest.raises(DraftExists):
        services.draft_create(actor=None, template=v1.template)
        services.draft_create(actor=None, template=v1.template)
    draft = v1.template.versions.get(status=VersionStatus.DRAFT)
    services.step_update(actor=None, version=draft, key="dane", title="Dane wniosku (2025)")
    services.field_update(
        actor=None,
        version=draft,
        path="Kwota",
        spec={"name": "KwotaBrutto", "type": "money", "label": "Kwota brutto"},
    )
    v2 = services.version_publish(actor=None, version=draft, valid_from=dt.date(2025, 1, 1))
    v1.refresh_from_db()
    assert v1.valid_to == dt.date(2024, 12, 31)
    assert selectors.current_version(v1.template, on=dt.date(2024, 6, 1)) == v1
    assert selectors.current_version(v1.template, on=dt.date(2025, 6, 1)) == v2
    identifier, data = selectors.parse_document(old_document)
    assert identifier == v1.identifier
    assert data == GOOD | {"Wnioskodawca": GOOD["Wnioskodawca"]}
    html = selectors.render_html(old_document)
    assert "Dane wniosku</h2>" in html and "Dane wniosku (2025)" not in html
