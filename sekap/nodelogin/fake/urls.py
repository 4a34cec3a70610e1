from django.urls import path

from . import views

app_name = "fakenode"
urlpatterns = [
    # The node's own paths: /login/… for the browser, /login-services/… for the back channel.
    path("metadata/", views.metadata, name="metadata"),
    path("login/SingleSignOnService", views.single_sign_on, name="sso"),
    path("login/wybor/", views.choose_person, name="login"),
    path(
        "login-services/idpArtifactResolutionService",
        views.artifact_resolution,
        name="artifact",
    ),
    path("login-services/singleLogoutService", views.single_logout, name="slo"),
    path("login/SingleLogoutService", views.single_logout_front, name="slo_front"),
]
