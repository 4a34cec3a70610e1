"""Money in templates: grosze as Polish złoty text, never through float."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def grosze(value: int | None) -> str:
    """1700 → "17,00 zł"."""
    if value is None:
        return ""
    whole = f"{value // 100:,}".replace(",", "\u00a0")
    return f"{whole},{value % 100:02d}\u00a0zł"


@register.filter
def account_groups(number: str) -> str:
    """PL61109010140000071219812874 → PL61 1090 1014 0000 0712 1981 2874."""
    compact = "".join(str(number or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
