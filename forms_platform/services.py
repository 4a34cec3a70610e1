"""Writes to the form repository: one function per state change, locked and audited."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sekap import audit

from . import archive, designer
from .constants import CENTRAL_NAMESPACE_BASE, DEFAULT_LOCAL_NAMESPACE_BASE
from .definition import check_definition, empty_definition, text_of
from .errors import (
    ArchiveInvalid,
    DefinitionInvalid,
    DraftExists,
    FormsError,
    FormVersionFrozen,
    TemplateExists,
)
from .models import FormTemplate, FormVersion, RepositoryCounter, Scope, VersionStatus
from .xsd import generate_xsd, load_schema
from .xsl import generate_xsl

IDENTIFIER_RE = re.compile(r"^\d{4}/\d{2}/\d{2}/\d{1,6}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


def local_namespace_base() -> str:
    return getattr(settings, "FORMS_LOCAL_NAMESPACE_BASE", DEFAULT_LOCAL_NAMESPACE_BASE)


def _snapshot(version: FormVersion) -> dict:
    return {
        "status": version.status,
        "number": version.number,
        "identifier": version.identifier,
        "valid_from": version.valid_from,
        "valid_to": version.valid_to,
    }


def _locked_draft(version: FormVersion) -> FormVersion:
    locked = FormVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise FormVersionFrozen()
    return locked


# --- templates and drafts -------------------------------------------------------------------


@transaction.atomic
def template_create(
    *, actor: Any, slug: str, name: str, code: str = "", scope: str = Scope.LOCAL
) -> FormTemplate:
    if not SLUG_RE.match(slug):
        raise FormsError(_("The slug may contain lower-case letters, digits and hyphens only."))
    if FormTemplate.objects.filter(slug=slug).exists():
        raise TemplateExists()
    template = FormTemplate.objects.create(slug=slug, name=name, code=code, scope=scope)
    FormVersion.objects.create(
        template=template, number=1, definition=empty_definition(), description={"title": name}
    )
    audit.record(
        actor=actor,
        action="forms.template_created",
        target=template,
        after={"slug": slug, "name": name, "code": code, "scope": scope},
    )
    return template


@transaction.atomic
def draft_create(*, actor: Any, template: FormTemplate) -> FormVersion:
    """A new draft copying the newest version's definition and description."""
    template = FormTemplate.objects.select_for_update().get(pk=template.pk)
    if template.versions.filter(status=VersionStatus.DRAFT).exists():
        raise DraftExists()
    latest = template.versions.order_by("-number").first()
    draft = FormVersion.objects.create(
        template=template,
        number=(latest.number + 1) if latest else 1,
        definition=copy.deepcopy(latest.definition) if latest else empty_definition(),
        description=copy.deepcopy(latest.description) if latest else {"title": template.name},
    )
    audit.record(
        actor=actor,
        action="forms.draft_created",
        target=draft,
        after={"template": template.slug, "number": draft.number},
    )
    return draft


@transaction.atomic
def draft_update(
    *,
    actor: Any,
    version: FormVersion,
    definition: dict | None = None,
    description: dict | None = None,
) -> FormVersion:
    """Replace a draft's definition and/or description. Refused for a published version."""
    locked = _locked_draft(version)
    before = {"definition": locked.definition, "description": locked.description}
    fields = []
    if definition is not None:
        locked.definition = definition
        fields.append("definition")
    if description is not None:
        locked.description = description
        fields.append("description")
    if fields:
        locked.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="forms.draft_updated",
            target=locked,
            before={k: before[k] for k in fields},
            after={k: getattr(locked, k) for k in fields},
        )
    return locked


@transaction.atomic
def draft_edit(
    *, actor: Any, version: FormVersion, action: str, edit: Callable[[dict], None], **details: Any
) -> FormVersion:
    """Apply one designer edit (see ``designer``) to a draft's definition."""
    locked = _locked_draft(version)
    definition = copy.deepcopy(locked.definition)
    edit(definition)
    before = locked.definition
    locked.definition = definition
    locked.save(update_fields=["definition"])
    audit.record(
        actor=actor,
        action=f"forms.{action}",
        target=locked,
        before={"definition": before},
        after={"definition": definition, **details},
    )
    return locked


def step_add(*, actor: Any, version: FormVersion, key: str, title: str) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="step_added",
        key=key,
        edit=lambda d: designer.step_add(d, key=key, title=title),
    )


def step_update(*, actor: Any, version: FormVersion, key: str, title: str) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="step_updated",
        key=key,
        edit=lambda d: designer.step_update(d, key=key, title=title),
    )


def step_remove(*, actor: Any, version: FormVersion, key: str) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="step_removed",
        key=key,
        edit=lambda d: designer.step_remove(d, key=key),
    )


def step_move(*, actor: Any, version: FormVersion, key: str, delta: int) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="step_moved",
        key=key,
        edit=lambda d: designer.step_move(d, key=key, delta=delta),
    )


def field_add(
    *, actor: Any, version: FormVersion, step_key: str, spec: dict, group: str = ""
) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="field_added",
        field=spec.get("name"),
        edit=lambda d: designer.field_add(d, step_key=step_key, spec=spec, group=group),
    )


def field_update(*, actor: Any, version: FormVersion, path: str, spec: dict) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="field_updated",
        field=path,
        edit=lambda d: designer.field_update(d, path=path, spec=spec),
    )


def field_remove(*, actor: Any, version: FormVersion, path: str) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="field_removed",
        field=path,
        edit=lambda d: designer.field_remove(d, path=path),
    )


def field_move(*, actor: Any, version: FormVersion, path: str, delta: int) -> FormVersion:
    return draft_edit(
        actor=actor,
        version=version,
        action="field_moved",
        field=path,
        edit=lambda d: designer.field_move(d, path=path, delta=delta),
    )


# --- publishing -----------------------------------------------------------------------------


def publication_problems(version: FormVersion) -> list[str]:
    problems = check_definition(version.definition)
    if not text_of(version.description.get("title")).strip():
        problems.append(_("The description has no title."))
    return problems


def _next_local_identifier(day: dt.date) -> str:
    counter, _created = RepositoryCounter.objects.select_for_update().get_or_create(
        name="local_identifier"
    )
    while True:
        counter.value += 1
        identifier = f"{day:%Y/%m/%d}/{counter.value:04d}"
        if not FormVersion.objects.filter(identifier=identifier).exists():
            break
    counter.save(update_fields=["value"])
    return identifier


@transaction.atomic
def version_publish(
    *,
    actor: Any,
    version: FormVersion,
    valid_from: dt.date | None = None,
    identifier: str = "",
) -> FormVersion:
    """Freeze a draft: generate its XSD and XSL, give it its identifier and namespace.

    Local templates get ``RRRR/MM/DD/NNNN`` from this repository's sequence; a central
    (CRWDE) template's version must be given the identifier CRWDE assigned.
    """
    locked = _locked_draft(version)
    problems = publication_problems(locked)
    if problems:
        raise DefinitionInvalid(problems)
    today = timezone.localdate()
    valid_from = valid_from or today
    if locked.template.scope == Scope.CENTRAL:
        if not IDENTIFIER_RE.match(identifier or ""):
            raise DefinitionInvalid(
                [_("A central template needs its CRWDE identifier (RRRR/MM/DD/NNNN).")]
            )
        namespace = f"{CENTRAL_NAMESPACE_BASE}{identifier}/"
    else:
        identifier = _next_local_identifier(today)
        namespace = f"{local_namespace_base()}{identifier}/"
    if FormVersion.objects.filter(namespace=namespace).exists():
        raise DefinitionInvalid([_("The identifier %(id)s is already used.") % {"id": identifier}])
    xsd = generate_xsd(locked.definition, namespace)
    xsl = generate_xsl(locked.definition, namespace)
    load_schema(xsd)  # it must compile
    before = _snapshot(locked)
    locked.xsd, locked.xsl = xsd, xsl
    locked.namespace, locked.identifier = namespace, identifier
    locked.content_hash = archive.content_hash(
        definition=locked.definition,
        description=locked.description,
        xsd=xsd,
        xsl=xsl,
        namespace=namespace,
        identifier=identifier,
    )
    locked.valid_from = valid_from
    locked.status = VersionStatus.PUBLISHED
    locked.published_at = timezone.now()
    locked.published_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save()
    # The previous published versions stop being current the day before this one starts.
    for older in (
        locked.template.versions.select_for_update()
        .filter(status=VersionStatus.PUBLISHED, valid_to__isnull=True, valid_from__lt=valid_from)
        .exclude(pk=locked.pk)
    ):
        older_before = _snapshot(older)
        older.valid_to = valid_from - dt.timedelta(days=1)
        older.save(update_fields=["valid_to"])
        audit.record(
            actor=actor,
            action="forms.version_superseded",
            target=older,
            before=older_before,
            after=_snapshot(older),
        )
    audit.record(
        actor=actor,
        action="forms.version_published",
        target=locked,
        before=before,
        after=_snapshot(locked),
    )
    return locked


@transaction.atomic
def version_withdraw(*, actor: Any, version: FormVersion) -> FormVersion:
    """Stop offering a published version; its documents still render with it."""
    locked = FormVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != VersionStatus.PUBLISHED:
        raise FormsError(_("Only a published version can be withdrawn."))
    before = _snapshot(locked)
    locked.status = VersionStatus.WITHDRAWN
    locked.withdrawn_at = timezone.now()
    if locked.valid_to is None or locked.valid_to > timezone.localdate():
        locked.valid_to = timezone.localdate()
    locked.save(update_fields=["status", "withdrawn_at", "valid_to"])
    audit.record(
        actor=actor,
        action="forms.version_withdrawn",
        target=locked,
        before=before,
        after=_snapshot(locked),
    )
    return locked


# --- export and import ----------------------------------------------------------------------


def _version_record(version: FormVersion) -> dict:
    return {
        "number": version.number,
        "status": version.status,
        "identifier": version.identifier,
        "namespace": version.namespace,
        "valid_from": version.valid_from.isoformat() if version.valid_from else None,
        "valid_to": version.valid_to.isoformat() if version.valid_to else None,
        "published_at": version.published_at.isoformat() if version.published_at else None,
        "withdrawn_at": version.withdrawn_at.isoformat() if version.withdrawn_at else None,
        "content_hash": version.content_hash,
        "definition": version.definition,
        "description": version.description,
        "xsd": version.xsd,
        "xsl": version.xsl,
    }


def template_export(*, template: FormTemplate) -> bytes:
    """The template and all its versions as one deterministic ZIP (see ``archive``)."""
    return archive.build_archive(
        {
            "slug": template.slug,
            "code": template.code,
            "name": template.name,
            "scope": template.scope,
        },
        [_version_record(v) for v in template.versions.order_by("number")],
    )


def _parse_dt(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def template_import(*, actor: Any, data: bytes) -> FormTemplate:
    """Create a template from an exported archive, keeping identifiers, namespaces and bytes."""
    try:
        template_info, versions = archive.read_archive(data)
    except archive.ArchiveFormatError as exc:
        raise ArchiveInvalid(str(exc)) from exc
    slug = str(template_info.get("slug", ""))
    if not SLUG_RE.match(slug) or template_info.get("scope") not in Scope.values:
        raise ArchiveInvalid("template.json is incomplete")
    if FormTemplate.objects.filter(slug=slug).exists():
        raise TemplateExists()
    template = FormTemplate.objects.create(
        slug=slug,
        code=template_info.get("code", ""),
        name=template_info.get("name", slug),
        scope=template_info["scope"],
    )
    drafts = 0
    for record in versions:
        status = record.get("status")
        if status not in VersionStatus.values:
            raise ArchiveInvalid(f"version {record.get('number')}: unknown status")
        if status == VersionStatus.DRAFT:
            drafts += 1
        else:
            problems = check_definition(record["definition"])
            if problems:
                raise ArchiveInvalid(f"version {record['number']}: " + "; ".join(problems))
            expected = archive.content_hash(
                definition=record["definition"],
                description=record["description"],
                xsd=record["xsd"],
                xsl=record["xsl"],
                namespace=record["namespace"],
                identifier=record["identifier"],
            )
            if expected != record.get("content_hash"):
                raise ArchiveInvalid(f"version {record['number']}: content does not match its hash")
            try:
                load_schema(record["xsd"])
            except Exception as exc:  # lxml raises several types for a broken schema
                raise ArchiveInvalid(
                    f"version {record['number']}: the XSD does not compile"
                ) from exc
        try:
            with transaction.atomic():
                FormVersion.objects.create(
                    template=template,
                    number=int(record["number"]),
                    status=status,
                    definition=record["definition"],
                    description=record["description"],
                    xsd=record.get("xsd", ""),
                    xsl=record.get("xsl", ""),
                    namespace=record.get("namespace", ""),
                    identifier=record.get("identifier", ""),
                    valid_from=_parse_date(record.get("valid_from")),
                    valid_to=_parse_date(record.get("valid_to")),
                    published_at=_parse_dt(record.get("published_at")),
                    withdrawn_at=_parse_dt(record.get("withdrawn_at")),
                    content_hash=record.get("content_hash", ""),
                )
        except IntegrityError as exc:
            raise ArchiveInvalid(
                f"version {record.get('number')}: its identifier or namespace is already "
                "in this repository"
            ) from exc
    if drafts > 1:
        raise ArchiveInvalid("more than one draft version")
    audit.record(
        actor=actor,
        action="forms.template_imported",
        target=template,
        after={"slug": slug, "versions": [v["number"] for v in versions]},
    )
    return template
