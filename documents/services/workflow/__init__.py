"""Workflows as data and the one writer of a case's status.

- ``case_transition(*, case, transition, actor, reason="", now=None) -> Case``: take a step.
- ``transitions_available(*, case, actor)``: the steps ``actor`` may take now (for pages).
- ``version_current(*, service)``: the version a new case of the service pins.
- ``on_transition``: register a listener told of every status change (the deadline clock).
- ``requirement_check``: register the check of a step's condition.
- ``workflow_draft_save`` / ``workflow_publish``: the office admin's editing (with
  ``definition_from_text`` / ``definition_to_text``) and ``definition_svg`` (the diagram).

State and step codes: ``definition`` and docs/workflow.md.
"""

from .authority import Authority, acting_principals, authority_for
from .definition import REQUIREMENTS, ROLES, START, Definition, DefinitionInvalid, definition_parse
from .diagram import definition_svg
from .editing import workflow_draft, workflow_draft_save, workflow_publish
from .hooks import TransitionDone, on_transition
from .requirements import requirement_check
from .text import definition_from_text, definition_to_text
from .transition import case_transition, transitions_available
from .versions import version_current, version_definition

__all__ = [
    "REQUIREMENTS",
    "ROLES",
    "START",
    "Authority",
    "Definition",
    "DefinitionInvalid",
    "TransitionDone",
    "acting_principals",
    "authority_for",
    "case_transition",
    "definition_from_text",
    "definition_parse",
    "definition_svg",
    "definition_to_text",
    "on_transition",
    "requirement_check",
    "transitions_available",
    "version_current",
    "version_definition",
    "workflow_draft",
    "workflow_draft_save",
    "workflow_publish",
]
