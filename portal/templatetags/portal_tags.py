"""Small template helpers of the portal."""

from __future__ import annotations

import html

from django import forms, template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from offices.selectors import ServiceGroup
from offices.selectors import catalogue_label as offices_catalogue_label

register = template.Library()


@register.filter
def widget_kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect):
        return "radio"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.simple_tag(takes_context=True)
def inbox_unread(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    from documents.selectors import inbox_unread_count

    return inbox_unread_count(user)


@register.filter
def zloty(grosze: int | None) -> str:
    if grosze is None:
        return ""
    return f"{grosze // 100},{grosze % 100:02d} zł"


@register.filter
def summary_label(label: str) -> str:
    """A label as the start of an error-summary line: without its closing full stop, so that
    "Label: error." never reads "Label.: error."."""
    return str(label).rstrip().rstrip(".:;!?")


@register.filter
def catalogue_label(text: str) -> str:
    """A catalogue category or life event in the language of the request."""
    return offices_catalogue_label(text, language=get_language() or "pl")


@register.filter
def office_links(group: ServiceGroup) -> SafeString:
    """The links to the service page of each office offering a catalogue group's form, as the
    list items of its ``<ul>``: a thousand links on a catalogue page, so the address is made
    once (not a ``{% url %}`` each) and each item is one f-string with its office's name
    escaped by ``html.escape`` (what Django's ``escape`` does, without its lazy-string
    wrapper, which was half of this list's time)."""
    address = reverse("portal_service", args=[0])
    if not address.endswith("/0/"):  # the service page's address ends with its id
        raise ValueError(f"unexpected service address {address}")
    prefix = html.escape(address[: -len("0/")])
    items = "".join(
        f'<li><a href="{prefix}{int(offer.pk)}/">{html.escape(offer.office_name)}</a></li>'
        for offer in group.services
    )
    return mark_safe(items)  # noqa: S308 - every part escaped or an int above
