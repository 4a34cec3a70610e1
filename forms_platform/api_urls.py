"""The API's routes of the forms, under ``api/v1/`` (``sekap.urls`` mounts them before the
pages, so that an API request is matched against the API's routes only)."""

from django.urls import path

from . import api

app_name = "forms_platform_api"

urlpatterns = [
    path("forms/", api.FormList.as_view(), name="api-list"),
    path("forms/<slug:slug>/", api.FormDetail.as_view(), name="api-detail"),
    path(
        "forms/<slug:slug>/versions/<int:number>",
        api.VersionDetail.as_view(),
        name="api-version",
    ),
    path(
        "forms/<slug:slug>/versions/<int:number>/validate",
        api.VersionValidate.as_view(),
        name="api-validate",
    ),
    path(
        "forms/<slug:slug>/versions/<int:number>/<str:filename>",
        api.VersionFile.as_view(),
        name="api-version-file",
    ),
]
