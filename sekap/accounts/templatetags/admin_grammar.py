"""Polish grammar for the Django admin's sentences about a model.

Django builds "Add %s", "Change %s", "Select %s to change" from a model's ``verbose_name``, which
is a nominative ("usługa"); Polish needs the accusative after these verbs ("Dodaj usługę").
The accusative of a name is its translation in the context ``accusative`` (pgettext), kept in
the project locale next to the name; a name without one is the same in both cases (most
masculine inanimate and neuter nouns: "urząd", "profil certyfikatu").
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def accusative(opts) -> str:
    """The model's name as the object of a verb."""
    raw = opts.verbose_name_raw
    form = pgettext("accusative", raw)
    return form if form != raw else str(opts.verbose_name)


@register.filter
def with_accusative(title, opts):
    """An admin title built as "<verb> <name>", with the name in the accusative."""
    if not title or opts is None or not hasattr(opts, "verbose_name_raw"):
        return title
    nominative, form = str(opts.verbose_name), accusative(opts)
    if form == nominative:
        return title
    return re.sub(rf"(?<!\w){re.escape(nominative)}(?!\w)", form, str(title), count=1)
