"""The fee statement shown on the review page, the submission and the case."""

from __future__ import annotations

from django import template

from offices.fees import fee_due

register = template.Library()


@register.inclusion_tag("portal/includes/fee_due.html")
def fee_statement(
    service, reference: str = "", heading_level: int = 2, data=None, orders=None
) -> dict:
    """What is due; with the application's payment ``orders`` (once it is filed), those
    orders, each with its own account number and a way to pay online."""
    fee = fee_due(service=service, reference=str(reference or ""), data=data)
    return {"fee": fee, "h": heading_level, "orders": list(orders or [])}


@register.filter
def iban_groups(iban: str) -> str:
    """PL61109010140000071219812874 → PL61 1090 1014 0000 0712 1981 2874."""
    compact = "".join(str(iban or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
