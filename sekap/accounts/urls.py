from django.urls import path

from sekap.ratelimits import limit

from . import views

app_name = "accounts"
urlpatterns = [
    path("logowanie/", limit("login")(views.LoginView.as_view()), name="login"),
    path("wylogowanie/", views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.otp_verify, name="otp_verify"),
    path("2fa/konfiguracja/", views.otp_setup, name="otp_setup"),
]
