"""The API's routes of the signatures, under ``api/v1/`` (``sekap.urls`` mounts them before the
pages, so that an API request is matched against the API's routes only)."""

from django.urls import path

from . import api

app_name = "signatures_api"

urlpatterns = [
    path("signatures/validate", api.ValidateView.as_view(), name="api-validate"),
]
