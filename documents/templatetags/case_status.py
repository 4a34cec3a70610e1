"""``{{ case.status|case_status }}``: a case status's name in the reader's language
(``selectors.worklists.status_name``: the names built once per language and process)."""

from __future__ import annotations

from django import template

from ..selectors.worklists import status_name

register = template.Library()


@register.filter
def case_status(code: str) -> str:
    return status_name(code)
