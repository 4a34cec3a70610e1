from django.urls import path

from sekap.ratelimits import limit

from . import views

app_name = "helpdesk"

urlpatterns = [
    path("pomoc/", views.faq, name="faq"),
    path("status/", views.status, name="status"),
    path("pomoc/zgloszenia/", views.ticket_list, name="tickets"),
    path("pomoc/zgloszenia/nowe/", limit("helpdesk")(views.ticket_new), name="ticket_new"),
    path("pomoc/zgloszenia/<int:pk>/", views.ticket_detail, name="ticket"),
    path("pomoc/zgloszenia/<int:pk>/zamknij/", views.ticket_close, name="ticket_close"),
    path("backoffice/pomoc/", views.queue, name="queue"),
    path("backoffice/pomoc/<int:pk>/", views.queue_ticket, name="queue_ticket"),
]
