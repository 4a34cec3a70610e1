from django.urls import path

from . import views

app_name = "nodelogin"
urlpatterns = [
    path("", views.start, name="start"),
    path("odpowiedz/", views.acs, name="acs"),
    path("nowe-konto/", views.welcome, name="welcome"),
    path("metadata/", views.metadata, name="metadata"),
    path("wylogowanie/", views.single_logout, name="slo"),
    path("wylogowanie/przegladarka/", views.single_logout_front, name="slo_front"),
]
