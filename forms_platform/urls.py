from django.urls import path

from . import api, views

app_name = "forms_platform"
urlpatterns = [
    path("api/v1/forms/", api.FormList.as_view(), name="api-list"),
    path("api/v1/forms/<slug:slug>/", api.FormDetail.as_view(), name="api-detail"),
    path(
        "api/v1/forms/<slug:slug>/versions/<int:number>",
        api.VersionDetail.as_view(),
        name="api-version",
    ),
    path(
        "api/v1/forms/<slug:slug>/versions/<int:number>/validate",
        api.VersionValidate.as_view(),
        name="api-validate",
    ),
    path(
        "api/v1/forms/<slug:slug>/versions/<int:number>/<str:filename>",
        api.VersionFile.as_view(),
        name="api-version-file",
    ),
    path("backoffice/forms/", views.template_list, name="designer"),
    path("backoffice/forms/<slug:slug>/", views.template_detail, name="template"),
    path("backoffice/forms/<slug:slug>/export.zip", views.template_export, name="export"),
    path("backoffice/forms/<slug:slug>/v<int:number>/", views.version_detail, name="version"),
    path(
        "backoffice/forms/<slug:slug>/v<int:number>/preview/", views.version_preview, name="preview"
    ),
    path(
        "backoffice/forms/<slug:slug>/v<int:number>/withdraw/",
        views.version_withdraw,
        name="withdraw",
    ),
    path(
        "backoffice/forms/<slug:slug>/v<int:number>/fields/<str:path>/",
        views.field_edit,
        name="field",
    ),
]
