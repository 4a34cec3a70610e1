"""``{% staff_nav %}``: the staff menu of ``documents/staff/base.html`` (any app's staff page
that extends the layout gets it; the menu is computed only where the tag is used)."""

from __future__ import annotations

from django import template

from ..backoffice.menu import menu_for

register = template.Library()


@register.inclusion_tag("documents/staff/_nav.html", takes_context=True)
def staff_nav(context) -> dict:
    request = context.get("request")
    if request is None:
        return {"sections": []}
    return {"sections": menu_for(user=request.user, path=request.path)}
