"""A case shared with one person outside its department (django-guardian, direct foreign key).

The permission ``documents.view_case`` on a case lets that person see it; visibility stays
inside the case's office (``documents.selectors.visibility``).
"""

from __future__ import annotations

from django.db import models
from guardian.models import UserObjectPermissionBase


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("Case", on_delete=models.CASCADE)
