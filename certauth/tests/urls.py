"""Only certauth's routes: interop tests stay independent of other apps' URL modules."""

from django.urls import include, path

urlpatterns = [path("", include("certauth.urls"))]
