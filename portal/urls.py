from django.urls import path

from sekap.ratelimits import limit

from .views import (
    accounts,
    applications,
    backoffice,
    catalogue,
    common,
    complaints,
    matters,
    payments,
    privacy,
    unsigned,
)

urlpatterns = [
    path("", common.home, name="home"),
    path("deklaracja-dostepnosci/", common.accessibility_statement, name="accessibility"),
    # accounts
    path("konto/rejestracja/", limit("register")(accounts.register), name="portal_register"),
    path("konto/rejestracja/wyslano/", accounts.register_sent, name="portal_register_sent"),
    path(
        "konto/rejestracja/ponownie/",
        limit("register")(accounts.register_resend),
        name="portal_register_resend",
    ),
    path("konto/potwierdz/<str:token>/", accounts.confirm, name="portal_confirm"),
    path(
        "konto/haslo/",
        limit("password_reset")(accounts.PasswordResetView.as_view()),
        name="portal_password_reset",
    ),
    path("ochrona-danych/", accounts.privacy, name="portal_privacy"),
    path("ochrona-danych/<str:terc>/", accounts.privacy, name="portal_privacy_office"),
    path("konto/moje-dane/", privacy.my_data, name="portal_my_data"),
    path("konto/moje-dane/archiwum/", privacy.my_data_export, name="portal_my_data_export"),
    path("konto/moje-dane/usun/", privacy.my_data_erase, name="portal_my_data_erase"),
    path(
        "konto/haslo/wyslano/",
        accounts.PasswordResetDoneView.as_view(),
        name="portal_password_reset_done",
    ),
    path(
        "konto/haslo/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="portal_password_reset_confirm",
    ),
    path(
        "konto/haslo/zmienione/",
        accounts.PasswordResetCompleteView.as_view(),
        name="portal_password_reset_complete",
    ),
    path("konto/profil/", accounts.profile, name="portal_profile"),
    path("konto/tozsamosc/", accounts.identity, name="portal_identity"),
    path(
        "konto/tozsamosc/wyzwanie.xml",
        accounts.identity_challenge,
        name="portal_identity_challenge",
    ),
    path("konto/firmy/", accounts.companies, name="portal_companies"),
    # back office
    path("backoffice/", backoffice.home, name="portal_bo_home"),
    path("backoffice/tozsamosc/", backoffice.identity_search, name="portal_bo_identity"),
    path(
        "backoffice/tozsamosc/<int:pk>/",
        backoffice.identity_confirm,
        name="portal_bo_identity_confirm",
    ),
    path(
        "backoffice/pelnomocnictwa/",
        backoffice.representation_queue,
        name="portal_bo_representations",
    ),
    path(
        "backoffice/pelnomocnictwa/<int:pk>/",
        backoffice.representation_detail,
        name="portal_bo_representation",
    ),
    path(
        "backoffice/pelnomocnictwa/<int:pk>/dokument/",
        backoffice.representation_document,
        name="portal_bo_representation_document",
    ),
    # catalogue
    path("uslugi/", catalogue.catalogue, name="portal_catalogue"),
    path("uslugi/<int:pk>/", catalogue.service_detail, name="portal_service"),
    path("uslugi/<int:pk>/rozpocznij/", catalogue.service_start, name="portal_service_start"),
    # applications
    path("wnioski/robocze/", applications.draft_list, name="portal_drafts"),
    path(
        "wnioski/robocze/<int:pk>/krok/<slug:step>/",
        applications.draft_step,
        name="portal_draft_step",
    ),
    path(
        "wnioski/robocze/<int:pk>/podglad/", applications.draft_preview, name="portal_draft_preview"
    ),
    path(
        "wnioski/robocze/<int:pk>/dokument.xml",
        applications.draft_document,
        name="portal_draft_document",
    ),
    path("wnioski/robocze/<int:pk>/podpis/", applications.draft_sign, name="portal_draft_sign"),
    path(
        "wnioski/robocze/<int:pk>/podpis/przegladarka/",
        applications.draft_sign_browser,
        name="portal_draft_sign_browser",
    ),
    path("wnioski/robocze/<int:pk>/wyslij/", applications.draft_send, name="portal_draft_send"),
    path(
        "wnioski/robocze/<int:pk>/wyslij-bez-podpisu/",
        unsigned.draft_send_unsigned,
        name="portal_draft_send_unsigned",
    ),
    path("wnioski/robocze/<int:pk>/usun/", applications.draft_delete, name="portal_draft_delete"),
    # after sending
    path("wnioski/", matters.submission_list, name="portal_submissions"),
    path("wnioski/<uuid:public_id>/", matters.submission_detail, name="portal_submission"),
    path(
        "wnioski/<uuid:public_id>/upo.<str:fmt>",
        matters.submission_upo,
        name="portal_submission_upo",
    ),
    path(
        "wnioski/<uuid:public_id>/dokument.xml",
        matters.submission_document,
        name="portal_submission_document",
    ),
    path("skrzynka/", matters.inbox, name="portal_inbox"),
    path("skrzynka/<int:pk>/", matters.inbox_message, name="portal_inbox_message"),
    path("skrzynka/<int:pk>/pismo.xml", matters.letter_download, name="portal_letter_download"),
    path("sprawy/", matters.case_list, name="portal_cases"),
    # payments
    path("platnosci/", payments.payment_list, name="portal_payments"),
    path("platnosci/<uuid:public_id>/", payments.order_detail, name="portal_payment"),
    path("platnosci/<uuid:public_id>/zaplac/", payments.order_pay, name="portal_payment_pay"),
    path(
        "platnosci/<uuid:public_id>/powrot/",
        payments.order_return,
        name="portal_payment_return",
    ),
    path(
        "platnosci/potwierdzenie/<uuid:public_id>.pdf",
        payments.payment_receipt,
        name="portal_payment_receipt",
    ),
    path("sprawy/<int:pk>/", matters.case_detail, name="portal_case"),
    path("sprawy/<int:pk>/odpowiedz/", matters.case_reply, name="portal_case_reply"),
    path("sprawy/<int:pk>/ponaglenie/", complaints.case_complaint, name="portal_case_complaint"),
    path("sprawy/<int:pk>/odwolanie/", matters.case_appeal, name="portal_case_appeal"),
]
