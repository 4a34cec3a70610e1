"""The "send without a signature" option on the signing page, where the law allows it."""

from __future__ import annotations

from django import template

from ..services.unsigned import may_send_unsigned

register = template.Library()


@register.inclusion_tag("portal/applications/unsigned_option.html", takes_context=True)
def unsigned_option(context, draft) -> dict:
    return {
        "draft": draft,
        "allowed": may_send_unsigned(draft),
        "csrf_token": context.get("csrf_token"),
    }
