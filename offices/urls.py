from django.urls import path

from . import api, staff_views, views

app_name = "offices"
urlpatterns = [
    path("backoffice/kadry/import/", staff_views.staff_import, name="staff_import"),
    path("backoffice/kadry/odejscia/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("urzedy/", views.office_directory, name="directory"),
    path("urzedy/<str:terc>/", views.office_detail, name="detail"),
    path("api/v1/offices/", api.OfficeList.as_view(), name="api-list"),
    path("api/v1/offices/<str:terc>/", api.OfficeDetail.as_view(), name="api-detail"),
    path(
        "api/v1/offices/<str:terc>/departments/",
        api.DepartmentList.as_view(),
        name="api-departments",
    ),
    path("api/v1/offices/<str:terc>/staff/", api.StaffList.as_view(), name="api-staff"),
    path("api/v1/services/", api.ServiceList.as_view(), name="api-services"),
    path("api/v1/services/<int:pk>/", api.ServiceDetail.as_view(), name="api-service"),
]
