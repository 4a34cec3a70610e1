"""What a form step starts with: the answers so far, else what the account already knows."""

from __future__ import annotations

from typing import Any

from forms_platform.definition import iter_fields

from ..models import Draft
from .accounts import profile_of


def _person(draft: Draft, spec: dict) -> dict:
    user = draft.owner
    person: dict[str, Any] = {"first_name": user.first_name, "last_name": user.last_name}
    if user.pesel:
        person["pesel"] = user.pesel
    if spec.get("with_address"):
        address = profile_of(user).address
        if address:
            person["address"] = address
    return person


def _company(draft: Draft) -> dict:
    company = draft.company
    found = {"name": company.name, "nip": company.nip, "regon": company.regon, "krs": company.krs}
    # The company's registered address is one line of text, not the parts a form asks for.
    return {key: value for key, value in found.items() if value}


def step_initial(*, draft: Draft, step: dict) -> dict[str, Any]:
    """The draft's answers, plus, in a step not saved yet, the person's name, PESEL, address
    and e-mail (the account holder, who files) and the company's name and numbers (when filing
    on its behalf) in the fields still empty. Conditional fields are left alone: whether they
    apply depends on answers the person has not given yet."""
    initial = dict(draft.data)
    if step["key"] in draft.completed_steps:
        return initial
    for spec in iter_fields({"steps": [step]}):
        if spec["name"] in initial or spec.get("visible_if"):
            continue
        if spec["type"] == "person":
            initial[spec["name"]] = _person(draft, spec)
        elif spec["type"] == "institution" and draft.company_id is not None:
            initial[spec["name"]] = _company(draft)
        elif spec["type"] == "email" and draft.owner.email:
            initial[spec["name"]] = draft.owner.email
    return initial
