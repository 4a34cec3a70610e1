"""``{% chrome %}…{% endchrome %}``: a part of a layout that depends only on the language,
rendered once per process and language instead of on every page.

The layouts' skip link, menu labels, footer, language list and table headings are ~30
``{% translate %}`` and ~10 ``{% url %}`` that come out the same on every page of a language;
rendering them was about a tenth of a work-list page's CPU. The part between the tags is
rendered in an empty context (no request, user, csrf token or page variable can leak into a
copy another person is shown: a variable there renders as empty, which the templates' tests
see) and kept on the node, keyed by the active language, the script prefix and the URL
configuration. A change of settings (tests) drops every copy.

Use ``{% load sekap_chrome %}``; per-request parts stay outside the tags.
"""

from __future__ import annotations

from django import template
from django.core.signals import setting_changed
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_generation = 0  # moved by any change of settings: every kept copy is rendered again
MAX_COPIES = 32  # per node: languages × script prefixes × URL configurations in use


def _settings_changed(**_kwargs) -> None:
    global _generation
    _generation += 1


setting_changed.connect(_settings_changed, dispatch_uid="sekap.chrome")


class ChromeNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.copies: dict[tuple, SafeString] = {}

    def render(self, context: Context) -> SafeString:
        key = (_generation, get_language(), get_script_prefix(), get_urlconf())
        copy = self.copies.get(key)
        if copy is None:
            copy = self.nodelist.render(context.new())  # a SafeString
            if len(self.copies) >= MAX_COPIES:
                self.copies.clear()
            self.copies[key] = copy
        return copy


@register.tag
def chrome(parser: Parser, token: Token) -> ChromeNode:
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% chrome %} takes no arguments")
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(nodelist)
