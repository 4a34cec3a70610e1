from django.urls import path

from signatures import api, views

app_name = "signatures"

urlpatterns = [
    path("api/v1/signatures/validate", api.ValidateView.as_view(), name="api-validate"),
    path("weryfikacja/", views.verify_document, name="verify"),
    path("weryfikacja/raport.pdf", views.verify_document_pdf, name="verify-pdf"),
]
