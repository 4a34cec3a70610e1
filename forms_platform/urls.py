from django.urls import path

from . import views

app_name = "forms_platform"
urlpatterns = [
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
