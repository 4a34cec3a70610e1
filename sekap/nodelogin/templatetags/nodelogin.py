from django import template

from .. import conf

register = template.Library()


@register.inclusion_tag("nodelogin/button.html", takes_context=True)
def nodelogin_button(context, next_url: str = "") -> dict:
    """The "login.gov.pl" button (named "login.gov.pl (test)" when the fake node answers)."""
    fake = conf.fake_enabled() and not conf.node_metadata_source()
    return {
        "enabled": conf.enabled(),
        "label": "login.gov.pl (test)" if fake else "login.gov.pl",
        "next": next_url,
        "csrf_token": context.get("csrf_token"),
    }
