"""``{% staff_nav %}``: the staff menu of ``documents/staff/base.html`` (any app's staff page
that extends the layout gets it; the menu is computed only where the tag is used).

The menu's 20-odd links are written here with ``html.escape`` (what Django's ``escape``
calls) instead of an included template: its loop, with a lookup, a condition and a filter per
link, cost a tenth of a list page's CPU."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..backoffice.menu import Section, menu_for

register = template.Library()


def nav_html(sections: list[Section]) -> SafeString:
    if not sections:
        return SafeString("")
    cases = escape(_("cases"))
    parts = [f'<nav class="staff-nav" aria-label="{escape(_("Staff menu"))}">']
    for section in sections:
        parts.append(f'\n  <h2 class="staff-nav-heading">{escape(str(section.title))}</h2>\n  <ul>')
        for item in section.items:
            current = ' aria-current="page"' if item.current else ""
            badge = (
                f' <span class="badge">{escape(item.count_shown)}'
                f'<span class="visually-hidden"> {cases}</span></span>'
                if item.count is not None
                else ""
            )
            parts.append(
                f'\n    <li><a href="{escape(item.url)}"{current}>{escape(str(item.title))}'
                f"{badge}</a></li>"
            )
        parts.append("</ul>")
    parts.append("\n</nav>")
    return SafeString("".join(parts))


@register.simple_tag(takes_context=True)
def staff_nav(context) -> SafeString:
    request = context.get("request")
    if request is None:
        return SafeString("")
    return nav_html(menu_for(user=request.user, path=request.path))
