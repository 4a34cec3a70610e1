from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path(
        "platnosci/powiadomienia/<slug:gateway>/",
        views.notification,
        name="notification",
    ),
    path("bank-testowy/<uuid:token>/", views.sandbox_bank, name="sandbox_bank"),
]
