from django.urls import path

from . import views

app_name = "fakenode"
urlpatterns = [
    path("metadata/", views.metadata, name="metadata"),
    path("SingleSignOnService/", views.single_sign_on, name="sso"),
    path("logowanie/", views.choose_person, name="login"),
    path("idpArtifactResolutionService/", views.artifact_resolution, name="artifact"),
    path("singleLogoutService/", views.single_logout, name="slo"),
]
