"""Back-office screens of the portal: identity at the counter, powers of attorney."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from stdnum.pl import pesel as std_pesel

from offices.selectors import memberships_active
from sekap.accounts.decorators import staff_required
from sekap.accounts.models import Representation, RepresentationStatus, User, UserKind
from sekap.accounts.services import representation_decide
from sekap.errors import DomainError

from ..forms import CounterConfirmForm, CounterSearchForm, DecisionForm
from ..services import accounts as services


def _counter_office(request: HttpRequest):
    """The office the clerk works at (any office will do: every office is a counter)."""
    membership = memberships_active(user=request.user).select_related("office").first()
    if membership is None and not request.user.is_superuser:
        raise PermissionDenied
    return membership.office if membership else None


@staff_required
@require_http_methods(["GET"])
def identity_search(request: HttpRequest) -> HttpResponse:
    _counter_office(request)
    form = CounterSearchForm(request.GET or None)
    people = None
    if request.GET and form.is_valid():
        q = form.cleaned_data["q"].strip()
        compact = q.replace(" ", "")
        people = User.objects.exclude(kind=UserKind.STAFF)
        if std_pesel.is_valid(compact):
            people = people.filter(pesel=compact)
        else:
            people = people.filter(email__iexact=q)
        people = list(people[:5])
    return render(
        request, "portal/backoffice/identity_search.html", {"form": form, "people": people}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def identity_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _counter_office(request)
    person = get_object_or_404(User.objects.exclude(kind=UserKind.STAFF), pk=pk)
    form = CounterConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_verify_at_counter(
                user=person,
                clerk=request.user,
                document_checked=form.cleaned_data["document_checked"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The identity of %(name)s is confirmed.") % {"name": person.get_full_name()},
            )
            return redirect("portal_bo_identity")
    return render(
        request, "portal/backoffice/identity_confirm.html", {"form": form, "person": person}
    )


@staff_required
def representation_queue(request: HttpRequest) -> HttpResponse:
    _counter_office(request)
    pending = (
        Representation.objects.filter(status=RepresentationStatus.PENDING)
        .select_related("company", "user")
        .order_by("requested_at")
    )
    return render(request, "portal/backoffice/representation_queue.html", {"pending": pending})


@staff_required
@require_http_methods(["GET", "POST"])
def representation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    office = _counter_office(request)
    representation = get_object_or_404(
        Representation.objects.select_related("company", "user"), pk=pk
    )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = request.POST.get("decision") == "approve"
        try:
            representation_decide(
                representation=representation,
                actor=request.user,
                approve=approve,
                office_terc=office.terc if office else "",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The power of attorney is approved.")
                if approve
                else _("The request is rejected."),
            )
            return redirect("portal_bo_representations")
    return render(
        request,
        "portal/backoffice/representation_detail.html",
        {"form": form, "representation": representation},
    )


@staff_required
def representation_document(request: HttpRequest, pk: int) -> HttpResponse:
    _counter_office(request)
    representation = get_object_or_404(Representation, pk=pk)
    return FileResponse(
        representation.power_of_attorney.open("rb"),
        as_attachment=True,
        filename=representation.power_of_attorney.name.rsplit("/", 1)[-1],
    )


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The back office's start page: the sections, with the offices and roles of the person."""
    memberships = memberships_active(user=request.user).select_related("office", "department")
    return render(request, "portal/backoffice/home.html", {"memberships": memberships})
