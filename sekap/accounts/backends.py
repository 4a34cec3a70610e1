"""The password backend (``AUTHENTICATION_BACKENDS``): Django's ``ModelBackend``, reading the
session's user with SQL compiled once.

``auth.get_user`` reads the logged-in user on every request through the backend the session
names; compiling that read (the user's ~20 columns) was two thirds of its CPU on every page.
:data:`MODEL_BACKEND` reads the row with ``sekap.prepared.PreparedGet``: nothing is cached but
the SQL, so a deactivated or deleted user is refused on the very next request, as before.
Sessions that name Django's backend (logged in before, or by a login that names it) are read
as naming this one (``session_db.UserSessionMixin.load``): the same checks.

A person's model permissions (``has_perm`` without an object: the staff menu asks it on the
first page of every person) are read by Django's own two queries, compiled once
(``PreparedValues``): compiling them was ~2.5 ms of CPU against a few tenths for running them.
They are kept on the user object for the request, as Django keeps them.
"""

from __future__ import annotations

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Permission

from sekap.prepared import PreparedGet, PreparedValues

MODEL_BACKEND = "sekap.accounts.backends.ModelBackend"
DJANGO_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

_users = PreparedGet(lambda: get_user_model()._default_manager.all(), field="pk")


def _names(permissions):
    return permissions.values_list("content_type__app_label", "codename").order_by()


def _user_permissions(user_id):
    return _names(get_user_model()(pk=user_id).user_permissions.all())


def _group_permissions(user_id):
    return _names(Permission.objects.filter(group__in=get_user_model()(pk=user_id).groups.all()))


# Django's ``_get_user_permissions`` and ``_get_group_permissions``, by the user's id
_PERMISSIONS = {
    "user": PreparedValues(Permission, _user_permissions),
    "group": PreparedValues(Permission, _group_permissions),
}


class ModelBackend(backends.ModelBackend):
    def get_user(self, user_id):
        user = _users.get(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_permissions(self, user_obj, obj, from_name):
        """Django's, the queries of a person who is not a superuser compiled once."""
        cache_name = f"_{from_name}_perm_cache"
        if (
            hasattr(user_obj, cache_name)
            or not user_obj.is_active
            or user_obj.is_anonymous
            or obj is not None
            or user_obj.is_superuser
            or from_name not in _PERMISSIONS
        ):
            return super()._get_permissions(user_obj, obj, from_name)
        names = {f"{app}.{codename}" for app, codename in _PERMISSIONS[from_name].rows(user_obj.pk)}
        setattr(user_obj, cache_name, names)
        return names
