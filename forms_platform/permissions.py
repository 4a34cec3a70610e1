"""Who may design forms: CPD administrators."""

from __future__ import annotations

from typing import Any

MANAGE_PERMISSION = "forms_platform.manage_forms"


def can_manage_forms(user: Any) -> bool:
    """Superusers and holders of ``forms_platform.manage_forms``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.has_perm(MANAGE_PERMISSION))
