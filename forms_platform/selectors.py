"""Reads of the form repository and the document functions other apps use.

Public interface for ``offices``, ``documents`` and ``portal``:

* ``current_version(template)`` / ``version_by_id(pk)`` / ``version_by_namespace(ns)``
* ``signature_required(version)``: whether its documents must be signed
* ``validate_data(version, data, files) -> errors`` and ``clean_data``
* ``build_document(version=, data=, sender=, addressee=) -> bytes`` (``build_clean_document``
  for data already cleaned)
* ``parse_document(xml_bytes) -> (identifier, data)`` and ``read_document`` (with envelope)
* ``render_html(xml_bytes)`` and ``render_pdf(xml_bytes)``
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from lxml import etree

from sekap.xmlsafe import parse_own

from . import validation, xmldoc
from .errors import DocumentInvalid, FormDataInvalid
from .models import FormTemplate, FormVersion, VersionStatus
from .xsd import load_schema, schema_errors
from .xsl import generate_xsl

# --- versions -------------------------------------------------------------------------------


def templates_with_current_version(*, on: dt.date | None = None) -> QuerySet[FormTemplate]:
    """Templates that have a version valid on ``on`` (today by default)."""
    day = on or timezone.localdate()
    return (
        FormTemplate.objects.filter(
            versions__status=VersionStatus.PUBLISHED, versions__valid_from__lte=day
        )
        .filter(Q(versions__valid_to__isnull=True) | Q(versions__valid_to__gte=day))
        .distinct()
        .order_by("name")
    )


def current_version(
    template: FormTemplate | str | int, *, on: dt.date | None = None
) -> FormVersion | None:
    """The published version valid on ``on`` (today by default), or None."""
    day = on or timezone.localdate()
    if isinstance(template, FormTemplate):
        filters: dict[str, Any] = {"template": template}
    elif isinstance(template, int):
        filters = {"template_id": template}
    else:
        filters = {"template__slug": template}
    return (
        FormVersion.objects.filter(status=VersionStatus.PUBLISHED, valid_from__lte=day, **filters)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("template")
        .order_by("-valid_from", "-number")
        .first()
    )


def version_by_id(pk: int) -> FormVersion:
    return FormVersion.objects.select_related("template").get(pk=pk)


def version_by_number(*, template: FormTemplate | str, number: int) -> FormVersion:
    slug = template.slug if isinstance(template, FormTemplate) else template
    return FormVersion.objects.select_related("template").get(template__slug=slug, number=number)


def version_by_namespace(namespace: str) -> FormVersion | None:
    return (
        FormVersion.objects.select_related("template")
        .exclude(status=VersionStatus.DRAFT)
        .filter(namespace=namespace)
        .first()
    )


def version_by_identifier(identifier: str) -> FormVersion | None:
    return (
        FormVersion.objects.select_related("template")
        .filter(identifier=identifier)
        .exclude(identifier="")
        .first()
    )


def signature_required(version: FormVersion) -> bool:
    """Whether documents of this version must be signed.

    Set per form version, in its description (``"signature_required": false``), because the
    rule comes from the law that governs the kind of letter, which is the same in every office:
    a request for public information (u.d.i.p. art. 10), a petition (ustawa o petycjach art. 4)
    and a complaint or request (KPA Dział VIII) need no signature; an application in
    administrative proceedings does (KPA art. 63 § 3a). The description is frozen on
    publishing, so the rule a submission was accepted under stays readable from its version.
    """
    return version.description.get("signature_required", True) is not False


def template_versions(template: FormTemplate) -> QuerySet[FormVersion]:
    return template.versions.order_by("-number")


# --- data -----------------------------------------------------------------------------------


def clean_data(
    version: FormVersion, data: Mapping[str, Any] | None, files: Mapping[str, Any] | None = None
) -> tuple[dict, dict[str, list[str]]]:
    return validation.clean_data(version.definition, data, files, today=timezone.localdate())


def validate_data(
    version: FormVersion, data: Mapping[str, Any] | None, files: Mapping[str, Any] | None = None
) -> dict[str, list[str]]:
    """Field errors by path (``Field``, ``Field.pesel``, ``Group.0.Child``); empty = valid."""
    return clean_data(version, data, files)[1]


# --- documents ------------------------------------------------------------------------------


def _schema(version: FormVersion) -> etree.XMLSchema:
    return load_schema(version.xsd)


def _draft_xsd(version: FormVersion) -> str:
    from .xsd import generate_xsd

    return generate_xsd(version.definition, _namespace(version))


def _namespace(version: FormVersion) -> str:
    return version.namespace or f"urn:sekap:draft:{version.template.slug}:{version.number}/"


def build_document(
    *,
    version: FormVersion,
    data: Mapping[str, Any],
    sender: dict,
    addressee: dict,
    files: Mapping[str, Any] | None = None,
    created: dt.datetime | None = None,
    title: str | None = None,
) -> bytes:
    """The XML document (UTF-8 bytes) for the data, valid against the version's XSD.

    Raises ``FormDataInvalid`` (with ``errors``) when the data does not validate. A draft
    version builds preview documents in a ``urn:sekap:draft:`` namespace. ``title`` names the
    document (``NazwaDokumentu``) when it has a name of its own, e.g. a letter's title;
    otherwise it is the version's title.
    """
    cleaned, errors = clean_data(version, data, files)
    if errors:
        raise FormDataInvalid(errors)
    return build_clean_document(
        version=version,
        cleaned=cleaned,
        sender=sender,
        addressee=addressee,
        created=created,
        title=title,
    )


def build_clean_document(
    *,
    version: FormVersion,
    cleaned: dict,
    sender: dict,
    addressee: dict,
    created: dt.datetime | None = None,
    title: str | None = None,
) -> bytes:
    """``build_document`` for data that already passed ``clean_data`` (the portal validates
    each step as it is filled in); still checks the result against the XSD."""
    try:
        sender = xmldoc.clean_party(sender, role="sender")
        addressee = xmldoc.clean_party(addressee, role="addressee")
    except xmldoc.DocumentError as exc:
        raise DocumentInvalid(str(exc)) from exc
    root = xmldoc.build_xml(
        definition=version.definition,
        namespace=_namespace(version),
        identifier=version.identifier or "projekt",
        title=title or version.title,
        data=cleaned,
        sender=sender,
        addressee=addressee,
        created=created,
    )
    schema = _schema(version) if version.xsd else load_schema(_draft_xsd(version))
    problems = schema_errors(schema, root)
    if problems:  # data that passed clean_data always gives a schema-valid document
        raise DocumentInvalid("; ".join(problems))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@dataclass
class ParsedDocument:
    version: FormVersion
    envelope: xmldoc.Envelope
    data: dict


def read_document(
    xml_bytes: bytes,
    *,
    version: FormVersion | None = None,
    root: etree._Element | None = None,
) -> ParsedDocument:
    """Parse, find the form version by the document's namespace, validate, read data.
    ``root``: the tree of these very bytes, already parsed by ``sekap.xmlsafe`` (read only)."""
    try:
        if root is None:
            root = xmldoc.safe_parse(xml_bytes)
        envelope = xmldoc.read_envelope(root)
    except xmldoc.DocumentError as exc:
        raise DocumentInvalid(str(exc)) from exc
    if version is None:
        version = version_by_namespace(envelope.namespace)
    if version is None:
        raise DocumentInvalid(f"no published form version has the namespace {envelope.namespace}")
    schema = _schema(version) if version.xsd else load_schema(_draft_xsd(version))
    problems = schema_errors(schema, root)
    if problems:
        raise DocumentInvalid("; ".join(problems))
    if version.identifier and envelope.identifier != version.identifier:
        raise DocumentInvalid("the identifier in OpisDokumentu does not match the namespace")
    try:
        data = xmldoc.read_data(root, version.definition)
    except (xmldoc.DocumentError, KeyError, IndexError, ValueError) as exc:
        raise DocumentInvalid(str(exc)) from exc
    return ParsedDocument(version=version, envelope=envelope, data=data)


def parse_document(xml_bytes: bytes) -> tuple[str, dict]:
    """(version identifier, form data): the inverse of ``build_document``."""
    parsed = read_document(xml_bytes)
    return parsed.version.identifier, parsed.data


# --- rendering ------------------------------------------------------------------------------

_xslt_cache: dict[str, etree.XSLT] = {}
_xslt_lock = threading.Lock()


def _transform(xsl_text: str) -> etree.XSLT:
    """Compiled XSLT, cached by its text; no file, network or write access from the sheet."""
    transform = _xslt_cache.get(xsl_text)
    if transform is None:
        access = etree.XSLTAccessControl.DENY_ALL
        transform = etree.XSLT(parse_own(xsl_text), access_control=access)
        with _xslt_lock:
            if len(_xslt_cache) > 256:
                _xslt_cache.clear()
            _xslt_cache[xsl_text] = transform
    return transform


def render_html(
    xml_bytes: bytes, *, fragment: bool = False, version: FormVersion | None = None
) -> str:
    """The document shown through its own version's XSL (a full HTML page, or the
    ``<article>`` alone when ``fragment``). Old documents render with their old version."""
    parsed = read_document(xml_bytes, version=version)
    xsl_text = parsed.version.xsl or generate_xsl(
        parsed.version.definition, _namespace(parsed.version)
    )
    result = _transform(xsl_text)(xmldoc.safe_parse(xml_bytes))
    if fragment:
        article = result.getroot().find(".//article")
        return etree.tostring(article, method="html", encoding="unicode")
    return str(result)


def render_pdf(xml_bytes: bytes, *, version: FormVersion | None = None) -> bytes:
    """The document as PDF (WeasyPrint, DejaVu fonts for Polish characters)."""
    from weasyprint import HTML  # imported late: loading WeasyPrint is slow

    html = render_html(xml_bytes, version=version)
    return HTML(string=html, base_url=None).write_pdf()


def current_version_numbers(
    template_ids: list[int], *, on: dt.date | None = None
) -> dict[int, int]:
    """Template id -> number of its current published version, in one query (for lists)."""
    day = on or timezone.localdate()
    numbers: dict[int, int] = {}
    rows = (
        FormVersion.objects.filter(
            status=VersionStatus.PUBLISHED, valid_from__lte=day, template_id__in=template_ids
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("template_id", "-valid_from", "-number")
        .values_list("template_id", "number")
    )
    for template_id, number in rows:
        numbers.setdefault(template_id, number)  # the first row is the current one
    return numbers
