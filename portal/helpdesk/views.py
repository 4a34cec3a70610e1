"""Helpdesk pages: FAQ and status (public), a person's tickets, the CPD queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from documents.selectors import cases_for, submissions_for
from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from . import selectors, services
from .forms import AssignForm, ReplyForm, TicketForm
from .models import TicketStatus
from .permissions import WORK_PERMISSION, can_work_tickets


def faq(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/faq.html",
        {"entries": selectors.faq(), "page": request.GET.get("strona", "")},
    )


def status(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/status.html", selectors.status_notices())


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    cases = list(cases_for(user)[:50])
    submissions = list(submissions_for(user)[:50])
    form = TicketForm(
        request.POST or None,
        initial={"page": request.GET.get("strona", "")},
        cases=cases,
        submissions=submissions,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_open(
                requester=user,
                subject=data["subject"],
                body=data["body"],
                page=data["page"],
                case_id=data.get("case"),
                submission_id=data.get("submission"),
                consent=bool(data.get("consent")),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your ticket is sent. The helpdesk will answer here."))
            return redirect("helpdesk:ticket", pk=ticket.pk)
    status_code = 400 if form.is_bound and form.errors else 200
    return render(request, "helpdesk/ticket_new.html", {"form": form}, status=status_code)


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "helpdesk/ticket_list.html", {"tickets": selectors.tickets_of(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_of(user=request.user, pk=pk)
    if ticket is None:
        raise Http404
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.ticket_reply(
                ticket=ticket, author=request.user, body=form.cleaned_data["body"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your reply is sent."))
            return redirect("helpdesk:ticket", pk=ticket.pk)
    return render(
        request,
        "helpdesk/ticket_detail.html",
        {"ticket": ticket, "items": selectors.ticket_messages(ticket=ticket), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@require_POST
def ticket_close(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_of(user=request.user, pk=pk)
    if ticket is None:
        raise Http404
    services.ticket_close(ticket=ticket, acting=request.user)
    messages.success(request, _("The ticket is closed. Reply to it to open it again."))
    return redirect("helpdesk:ticket", pk=ticket.pk)


def _helpdesk_staff(request: HttpRequest) -> None:
    if not can_work_tickets(request.user):
        raise PermissionDenied


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    _helpdesk_staff(request)
    status_filter = request.GET.get("status", "")
    if status_filter not in TicketStatus.values:
        status_filter = ""
    mine = request.GET.get("moje") == "1"
    tickets = selectors.queue(staff=request.user, status=status_filter, mine=mine)
    return render(
        request,
        "helpdesk/staff/queue.html",
        {
            "tickets": tickets,
            "statuses": TicketStatus.choices,
            "status_filter": status_filter,
            "mine": mine,
        },
    )


def _helpdesk_people():
    app, codename = WORK_PERMISSION.split(".")
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        user_permissions__codename=codename, user_permissions__content_type__app_label=app
    ) | users.filter(is_superuser=True)


@staff_required
@require_http_methods(["GET", "POST"])
def queue_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    _helpdesk_staff(request)
    ticket = selectors.queue_ticket(staff=request.user, pk=pk)
    if ticket is None:
        raise Http404
    templates = selectors.answer_templates()
    chosen = templates.filter(pk=request.GET.get("szablon") or 0).first()
    reply = ReplyForm(
        request.POST if request.POST.get("action") == "reply" else None,
        initial={"body": chosen.body if chosen else ""},
    )
    people = _helpdesk_people().distinct().order_by("email")
    assign = AssignForm(
        request.POST if request.POST.get("action") == "assign" else None,
        initial={"assignee": ticket.assignee_id},
        staff=people,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reply" and reply.is_valid():
                services.ticket_reply(
                    ticket=ticket, author=request.user, body=reply.cleaned_data["body"]
                )
                messages.success(request, _("The reply is sent and e-mailed to the person."))
                return redirect("helpdesk:queue_ticket", pk=pk)
            if action == "assign" and assign.is_valid():
                assignee_id = assign.cleaned_data["assignee"]
                services.ticket_assign(
                    ticket=ticket,
                    assignee=people.filter(pk=assignee_id).first() if assignee_id else None,
                    acting=request.user,
                )
                messages.success(request, _("The ticket is assigned."))
                return redirect("helpdesk:queue_ticket", pk=pk)
            if action == "close":
                services.ticket_close(ticket=ticket, acting=request.user)
                messages.success(request, _("The ticket is closed."))
                return redirect("helpdesk:queue_ticket", pk=pk)
        except DomainError as exc:
            reply.add_error(None, exc.message)
    return render(
        request,
        "helpdesk/staff/ticket.html",
        {
            "ticket": ticket,
            "items": selectors.ticket_messages(ticket=ticket),
            "reply": reply,
            "assign": assign,
            "templates": templates,
        },
        status=400 if request.method == "POST" else 200,
    )
