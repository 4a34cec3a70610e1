from django.urls import path

from . import views, views_finance

app_name = "payments"
urlpatterns = [
    path(
        "platnosci/powiadomienia/<slug:gateway>/",
        views.notification,
        name="notification",
    ),
    path("bank-testowy/<uuid:token>/", views.sandbox_bank, name="sandbox_bank"),
    path(
        "backoffice/platnosci/<str:terc>/wplaty-do-wyjasnienia/",
        views_finance.credits_queue,
        name="finance_queue",
    ),
    path(
        "backoffice/platnosci/<str:terc>/zestawienia/",
        views_finance.totals,
        name="finance_totals",
    ),
    path(
        "backoffice/platnosci/<str:terc>/eksport.csv",
        views_finance.export_csv,
        name="finance_export",
    ),
    path("backoffice/platnosci/<str:terc>/zwroty/", views_finance.refunds, name="finance_refunds"),
]
