from django.urls import path

from . import views
from .backoffice import archive as views_archive
from .backoffice import cases as backoffice
from .backoffice import deadlines as views_deadlines
from .backoffice import decisions as backoffice_decisions
from .backoffice import dispatch as backoffice_dispatch
from .backoffice import esp as backoffice_esp
from .backoffice import office_problems as backoffice_problems
from .backoffice import opinions as backoffice_opinions
from .backoffice import register as backoffice_register
from .backoffice import reports as backoffice_reports
from .backoffice import search as backoffice_search
from .backoffice import sharing as backoffice_sharing
from .backoffice import workflows as backoffice_workflows

app_name = "documents"

urlpatterns = [
    path("upo/<str:public_id>/", views.receipt_verify, name="receipt_verify"),
    path("upo/<str:public_id>/pdf", views.receipt_pdf, name="receipt_pdf"),
    path("upo/<str:public_id>/xml", views.receipt_xml, name="receipt_xml"),
    path("backoffice/sprawy/", backoffice.queue, name="backoffice_queue"),
    path("backoffice/sprawy/lista/<slug:key>/", backoffice.worklist, name="worklist"),
    path("backoffice/sprawy/szukaj/", backoffice_search.search, name="search"),
    path("backoffice/raporty/", backoffice_reports.reports, name="reports"),
    path("urzedy/<str:terc>/przejrzystosc/", backoffice_reports.transparency, name="transparency"),
    path("backoffice/sprawy/<int:pk>/", backoffice.case_detail, name="backoffice_case"),
    path("backoffice/sprawy/<int:pk>/przyjmij/", backoffice.case_take, name="backoffice_take"),
    path("backoffice/sprawy/<int:pk>/pismo/", backoffice.letter_new, name="backoffice_letter"),
    path("backoffice/sprawy/<int:pk>/przydziel/", backoffice.case_assign, name="backoffice_assign"),
    path("backoffice/sprawy/<int:pk>/notatka/", backoffice.case_note, name="backoffice_note"),
    path(
        "backoffice/sprawy/<int:pk>/udostepnienie/",
        backoffice_sharing.case_sharing,
        name="case_sharing",
    ),
    path(
        "backoffice/sprawy/<int:pk>/udostepnienie/<int:user_id>/cofnij/",
        backoffice_sharing.case_sharing_revoke,
        name="case_sharing_revoke",
    ),
    path(
        "backoffice/sprawy/<int:pk>/opinie/",
        backoffice_opinions.case_opinions_page,
        name="case_opinions",
    ),
    path(
        "backoffice/sprawy/<int:pk>/opinie/<str:public_id>/",
        backoffice_opinions.opinion_page,
        name="opinion",
    ),
    path(
        "backoffice/sprawy/<int:pk>/opinie/<str:public_id>/wycofaj/",
        backoffice_opinions.opinion_withdraw_view,
        name="opinion_withdraw",
    ),
    path(
        "backoffice/sprawy/<int:pk>/opinie/<str:public_id>/pliki/<int:number>/",
        backoffice_opinions.opinion_file,
        name="opinion_file",
    ),
    path("backoffice/sprawy/<int:pk>/metryka.pdf", backoffice.case_metryka_pdf, name="metryka_pdf"),
    path(
        "backoffice/sprawy/<int:pk>/dokumenty/<str:public_id>/zalaczniki/<int:number>/",
        backoffice.case_attachment,
        name="backoffice_attachment",
    ),
    path(
        "backoffice/sprawy/<int:pk>/krok/", backoffice_decisions.case_step, name="backoffice_step"
    ),
    path(
        "backoffice/sprawy/<int:pk>/decyzja/",
        backoffice_decisions.decision_page,
        name="backoffice_decision",
    ),
    path(
        "backoffice/sprawy/<int:pk>/decyzja/do-podpisu.xml",
        backoffice_decisions.decision_to_sign,
        name="backoffice_decision_to_sign",
    ),
    path(
        "backoffice/sprawy/<int:pk>/decyzja/<str:action>/",
        backoffice_decisions.decision_action,
        name="backoffice_decision_action",
    ),
    path(
        "backoffice/sprawy/<int:pk>/decyzja.<str:fmt>",
        backoffice_decisions.decision_document,
        name="backoffice_decision_document",
    ),
    path(
        "backoffice/sprawy/<int:pk>/dokumenty/<str:public_id>.xml",
        backoffice.case_document,
        name="backoffice_document",
    ),
    path("backoffice/archiwum/", views_archive.archive_home, name="archive"),
    path(
        "backoffice/archiwum/spisy/nowy/",
        views_archive.transfer_list_new,
        name="archive_transfer_new",
    ),
    path(
        "backoffice/archiwum/spisy/<int:pk>/",
        views_archive.transfer_list_detail,
        name="archive_transfer",
    ),
    path(
        "backoffice/archiwum/spisy/<int:pk>/pdf",
        views_archive.transfer_list_pdf,
        name="archive_transfer_pdf",
    ),
    path(
        "backoffice/archiwum/spisy/<int:pk>/csv",
        views_archive.transfer_list_csv,
        name="archive_transfer_csv",
    ),
    path(
        "backoffice/archiwum/spisy/<int:pk>/przyjmij/",
        views_archive.transfer_list_accept,
        name="archive_transfer_accept",
    ),
    path(
        "backoffice/archiwum/brakowanie/nowy/",
        views_archive.destruction_new,
        name="archive_destruction_new",
    ),
    path(
        "backoffice/archiwum/brakowanie/<int:pk>/",
        views_archive.destruction_detail,
        name="archive_destruction",
    ),
    path(
        "backoffice/archiwum/brakowanie/<int:pk>/csv",
        views_archive.destruction_csv,
        name="archive_destruction_csv",
    ),
    path("backoffice/terminy/", views_deadlines.deadline_worklist, name="deadlines_worklist"),
    path(
        "backoffice/sprawy/<int:pk>/terminy/", views_deadlines.case_deadlines, name="case_deadlines"
    ),
    path(
        "backoffice/sprawy/<int:pk>/terminy/<str:action>/",
        views_deadlines.case_deadline_action,
        name="case_deadline_action",
    ),
    path(
        "backoffice/urzedy/problemy/",
        backoffice_problems.problems_overview,
        name="office_problems_overview",
    ),
    path(
        "backoffice/urzedy/<str:terc>/problemy/",
        backoffice_problems.office_problems_page,
        name="office_problems",
    ),
    path(
        "backoffice/esp/<str:terc>/tokeny/",
        backoffice_esp.esp_tokens,
        name="backoffice_esp_tokens",
    ),
    path("backoffice/wysylka/", backoffice_dispatch.dispatch_book, name="dispatch_book"),
    path(
        "backoffice/wysylka/lista-pocztowa/",
        backoffice_dispatch.post_list,
        name="dispatch_post_list",
    ),
    path(
        "backoffice/wysylka/<str:public_id>/koperta/",
        backoffice_dispatch.envelope,
        name="dispatch_envelope",
    ),
    path(
        "backoffice/wysylka/<str:public_id>/zwrotka/",
        backoffice_dispatch.paper_receipt,
        name="dispatch_receipt",
    ),
    path("backoffice/obiegi/", backoffice_workflows.workflow_list, name="backoffice_workflows"),
    path(
        "backoffice/obiegi/<int:pk>/",
        backoffice_workflows.workflow_detail,
        name="backoffice_workflow",
    ),
    path(
        "backoffice/obiegi/<int:pk>/publikuj/",
        backoffice_workflows.workflow_publish_view,
        name="backoffice_workflow_publish",
    ),
    # the office's register of correspondence (RPW) and the paper desk
    path("backoffice/rejestr/", backoffice_register.register_home, name="register_home"),
    path("backoffice/rejestr/<str:terc>/", backoffice_register.register_list, name="register_list"),
    path(
        "backoffice/rejestr/<str:terc>/papier/",
        backoffice_register.paper_new,
        name="register_paper",
    ),
    path(
        "backoffice/rejestr/<str:terc>/korespondenci/",
        backoffice_register.correspondents_json,
        name="register_correspondents",
    ),
    path(
        "backoffice/rejestr/<str:terc>/pozycje/<int:pk>/",
        backoffice_register.entry_detail,
        name="register_entry",
    ),
    path(
        "backoffice/rejestr/<str:terc>/pozycje/<int:pk>/etykieta.pdf",
        backoffice_register.entry_label,
        name="register_label",
    ),
    path("backoffice/rejestr/<str:terc>/skany/", backoffice_register.scans, name="register_scans"),
    path(
        "backoffice/rejestr/<str:terc>/skany/<int:pk>/",
        backoffice_register.scan_file,
        name="register_scan",
    ),
    path(
        "backoffice/rejestr/<str:terc>/skany/<int:pk>/przypisz/",
        backoffice_register.scan_assign,
        name="register_scan_assign",
    ),
]
