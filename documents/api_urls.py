"""The API's routes of documents, under ``api/v1/`` (``sekap.urls`` mounts them before the
pages, so that an API request is matched against the API's routes only)."""

from django.urls import path, re_path

from . import api

app_name = "documents_api"

UUID = r"(?P<public_id>[0-9a-fA-F-]{36})"

urlpatterns = [
    path("submissions/", api.SubmissionListCreate.as_view(), name="api-submissions"),
    re_path(rf"^submissions/{UUID}/?$", api.SubmissionDetail.as_view(), name="api-submission"),
    re_path(
        rf"^submissions/{UUID}/upo\.xml$",
        api.SubmissionUpo.as_view(),
        name="api-submission-upo",
    ),
    re_path(
        rf"^submissions/{UUID}/document\.xml$",
        api.SubmissionDocument.as_view(),
        name="api-submission-document",
    ),
    path("inbox/", api.InboxList.as_view(), name="api-inbox"),
    path("inbox/<int:pk>/", api.InboxDetail.as_view(), name="api-inbox-message"),
    path("inbox/<int:pk>/open/", api.InboxOpen.as_view(), name="api-inbox-open"),
    path("inbox/<int:pk>/document.xml", api.InboxDocument.as_view(), name="api-inbox-document"),
    path("esp/<str:terc>/waiting/", api.EspWaiting.as_view(), name="api-esp-waiting"),
    path("esp/<str:terc>/next/", api.EspNext.as_view(), name="api-esp-next"),
    path("esp/<str:terc>/confirm/", api.EspConfirm.as_view(), name="api-esp-confirm"),
]
