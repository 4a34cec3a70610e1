"""Letters and decisions: per-office versioned templates, the decision flow (draft, approval,
signature, dispatch, delivery, final) and appeals.

Public: ``template_version_save``, ``template_version_publish``, ``templates_published``,
``decision_draft``, ``decision_edit``, ``decision_submit``, ``decision_approve``,
``decision_return``, ``decision_sign``, ``decision_dispatch``, ``decision_for``,
``decisions_sweep`` (beat), ``appeal_register`` (an appeal filing from the intake),
``appeals_sweep``, ``appeal_open``.
"""

from .appeals import appeal_body_of, appeal_open, appeal_register, appeals_sweep, case_file
from .decisions import (
    EDITABLE,
    decision_approve,
    decision_dispatch,
    decision_draft,
    decision_edit,
    decision_for,
    decision_return,
    decision_sign,
    decision_submit,
)
from .finality import decision_delivered, decision_final, decisions_sweep
from .output import decision_render_pdf
from .templates import (
    FIELDS,
    template_version_publish,
    template_version_save,
    templates_published,
)

__all__ = [
    "EDITABLE",
    "FIELDS",
    "appeal_body_of",
    "appeal_open",
    "appeal_register",
    "appeals_sweep",
    "case_file",
    "decision_approve",
    "decision_delivered",
    "decision_dispatch",
    "decision_draft",
    "decision_edit",
    "decision_final",
    "decision_for",
    "decision_render_pdf",
    "decision_return",
    "decision_sign",
    "decision_submit",
    "decisions_sweep",
    "template_version_publish",
    "template_version_save",
    "templates_published",
]
