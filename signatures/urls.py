from django.urls import path

from signatures import views

app_name = "signatures"

urlpatterns = [
    path("weryfikacja/", views.verify_document, name="verify"),
    path("weryfikacja/raport.pdf", views.verify_document_pdf, name="verify-pdf"),
]
