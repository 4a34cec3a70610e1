"""The API's routes of the offices, under ``api/v1/`` (``sekap.urls`` mounts them before the
pages, so that an API request is matched against the API's routes only)."""

from django.urls import path

from . import api

app_name = "offices_api"

urlpatterns = [
    path("offices/", api.OfficeList.as_view(), name="api-list"),
    path("offices/<str:terc>/", api.OfficeDetail.as_view(), name="api-detail"),
    path(
        "offices/<str:terc>/departments/",
        api.DepartmentList.as_view(),
        name="api-departments",
    ),
    path("offices/<str:terc>/staff/", api.StaffList.as_view(), name="api-staff"),
    path("services/", api.ServiceList.as_view(), name="api-services"),
    path("services/<int:pk>/", api.ServiceDetail.as_view(), name="api-service"),
]
