from django.urls import path

from . import staff_views, views

app_name = "offices"
urlpatterns = [
    path("backoffice/kadry/import/", staff_views.staff_import, name="staff_import"),
    path("backoffice/kadry/odejscia/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("urzedy/", views.office_directory, name="directory"),
    path("urzedy/<str:terc>/", views.office_detail, name="detail"),
]
