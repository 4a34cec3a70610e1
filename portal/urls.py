from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("deklaracja-dostepnosci/", views.accessibility_statement, name="accessibility"),
]
