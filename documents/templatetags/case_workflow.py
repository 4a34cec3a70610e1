"""``{% case_workflow case %}``: the case page's panel of workflow steps the reader may take."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("documents/_case_workflow.html", takes_context=True)
def case_workflow(context, case) -> dict:
    from ..backoffice.decisions import manual_steps

    return {
        "case": case,
        "workflow_steps": manual_steps(case=case, user=context["request"].user),
        "csrf_token": context.get("csrf_token"),
    }
