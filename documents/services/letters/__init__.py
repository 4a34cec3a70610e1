"""Letters and decisions: per-office versioned templates, the decision flow (draft, approval,
signature, dispatch, delivery, final) and appeals.

Public: ``template_version_save``, ``template_version_publish``, ``templates_published``,
``decision_draft``, ``decision_edit``, ``decision_submit``, ``decision_approve``,
``decision_return``, ``decision_sign`` (the office seal), ``decision_to_sign``,
``decision_browser_start``/``_finish`` and ``decision_sign_personal`` (the official's own
certificate, ``signing``), ``decision_dispatch``, ``decision_for``,
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
from .signing import (
    browser_certificates,
    clerk_certificates,
    decision_browser_finish,
    decision_browser_start,
    decision_sign_personal,
    decision_to_sign,
    seal_allowed,
    signing_choice,
)
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
    "browser_certificates",
    "case_file",
    "clerk_certificates",
    "decision_approve",
    "decision_browser_finish",
    "decision_browser_start",
    "decision_delivered",
    "decision_dispatch",
    "decision_draft",
    "decision_edit",
    "decision_final",
    "decision_for",
    "decision_render_pdf",
    "decision_return",
    "decision_sign",
    "decision_sign_personal",
    "decision_submit",
    "decision_to_sign",
    "decisions_sweep",
    "seal_allowed",
    "signing_choice",
    "template_version_publish",
    "template_version_save",
    "templates_published",
]
