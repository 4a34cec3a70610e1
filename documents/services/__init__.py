"""Writes of the correspondence app (one function per state change).

Public for the portal: ``submission_accept``, ``reply_accept``, ``inbox_open``; for the back
office: ``case_take``, ``letter_send``; the intake: ``intake_process``, ``intake_sweep``.
"""

from .assignment import case_assign
from .cases import case_take, inbox_open, letter_send, reply_accept
from .esp import (
    esp_check_access,
    esp_confirm,
    esp_count,
    esp_next,
    esp_token_authenticate,
    esp_token_issue,
    esp_token_revoke,
)
from .intake import intake_process, intake_sweep
from .notes import case_note_add
from .reads import attachment_read, case_viewed, document_read, metryka_exported
from .submissions import submission_accept

__all__ = [
    "attachment_read",
    "case_assign",
    "case_note_add",
    "case_take",
    "case_viewed",
    "document_read",
    "esp_check_access",
    "esp_confirm",
    "esp_count",
    "esp_next",
    "esp_token_authenticate",
    "esp_token_issue",
    "esp_token_revoke",
    "inbox_open",
    "intake_process",
    "intake_sweep",
    "letter_send",
    "metryka_exported",
    "reply_accept",
    "submission_accept",
]
