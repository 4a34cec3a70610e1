from django.urls import path

from . import views_pki

app_name = "certauth"
urlpatterns = [
    path("pki/ca/<slug:slug>.crt", views_pki.ca_certificate, name="ca_certificate"),
    path("pki/crl/<slug:slug>-delta.crl", views_pki.crl, {"delta": True}, name="delta_crl"),
    path("pki/crl/<slug:slug>.crl", views_pki.crl, name="crl"),
    path("pki/ocsp", views_pki.ocsp_endpoint, name="ocsp"),
    path("pki/ocsp/<path:encoded>", views_pki.ocsp_endpoint, name="ocsp_get"),
    path("pki/tsa", views_pki.tsa_endpoint, name="tsa"),
]

from . import views  # noqa: E402

urlpatterns += [
    path("certyfikaty/", views.my_certificates, name="my_certificates"),
    path("certyfikaty/nowy/", views.request_new, name="request_new"),
    path("certyfikaty/szukaj/", views.serial_search, name="search"),
    path("certyfikaty/<int:pk>/pobierz.<str:fmt>", views.certificate_download, name="download"),
    path("certyfikaty/<int:pk>/uniewaznij/", views.certificate_revoke_own, name="revoke_own"),
    path("backoffice/pki/", views.ra_queue, name="ra_queue"),
    path("backoffice/pki/wnioski/<int:pk>/", views.ra_request, name="ra_request"),
    path("backoffice/pki/wnioski/<int:pk>/zatwierdz/", views.ra_approve, name="ra_approve"),
    path("backoffice/pki/wnioski/<int:pk>/odrzuc/", views.ra_reject, name="ra_reject"),
    path("backoffice/pki/certyfikaty/<int:pk>/", views.ra_certificate, name="ra_certificate"),
    path("backoffice/pki/konsola/", views.ca_console, name="ca_console"),
    path("backoffice/pki/nowy/", views.staff_request_new, name="staff_request_new"),
]
