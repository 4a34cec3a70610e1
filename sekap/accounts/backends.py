"""The password backend (``AUTHENTICATION_BACKENDS``): Django's ``ModelBackend``, reading the
session's user with SQL compiled once.

``auth.get_user`` reads the logged-in user on every request through the backend the session
names; compiling that read (the user's ~20 columns) was two thirds of its CPU on every page.
:data:`MODEL_BACKEND` reads the row with ``sekap.prepared.PreparedGet``: nothing is cached but
the SQL, so a deactivated or deleted user is refused on the very next request, as before.
Sessions that name Django's backend (logged in before, or by a login that names it) are read
as naming this one (``session_db.UserSessionMixin.load``): the same checks.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model

from sekap.prepared import PreparedGet

MODEL_BACKEND = "sekap.accounts.backends.ModelBackend"
DJANGO_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

_users = PreparedGet(lambda: get_user_model()._default_manager.all(), field="pk")


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        user = _users.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
