"""Back-office screens of the portal: identity at the counter, powers of attorney."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certauth.authority import ra_policy
from documents.selectors.register import register_offices
from forms_platform.permissions import can_manage_forms
from offices.models import StaffRole
from offices.selectors import memberships_active, offices_managed_by
from sekap.accounts.decorators import staff_required
from sekap.accounts.models import Representation, RepresentationStatus, User, UserKind
from sekap.accounts.services import representation_decide
from sekap.errors import DomainError
from sekap.storage import stored_file_read

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
        q = form.cleaned_data["q"]
        people = User.objects.exclude(kind=UserKind.STAFF)
        # Several unverified accounts may carry the same PESEL (anyone can type one in): all
        # are listed with their e-mail addresses, and the clerk confirms the one the person
        # says is theirs.
        people = people.filter(email__iexact=q) if "@" in q else people.filter(pesel=q)
        people = list(people.order_by("-identity_level", "email")[:20])
    return render(
        request, "portal/backoffice/identity_search.html", {"form": form, "people": people}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def identity_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _counter_office(request)
    person = get_object_or_404(User.objects.exclude(kind=UserKind.STAFF), pk=pk)
    form = CounterConfirmForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_verify_at_counter(
                user=person,
                clerk=request.user,
                document=form.identity_document(),
                account_confirmed=form.cleaned_data["account_confirmed"],
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
    # read through the document store: bytes that no longer match their SHA-256 are refused
    content = stored_file_read(
        name=representation.power_of_attorney.name,
        sha256=representation.power_of_attorney_sha256,
    )
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=representation.power_of_attorney.name.rsplit("/", 1)[-1],
    )


CASE_ROLES = (StaffRole.REGISTRY_CLERK, StaffRole.CLERK, StaffRole.HEAD, StaffRole.OFFICE_ADMIN)


def _sections(user: User, memberships: list) -> list[dict]:
    """The back-office sections this person may open (each asks the same question as the
    section's own view, so no link on the start page ends in 403)."""
    roles = {m.role for m in memberships}
    at_counter = bool(memberships) or user.is_superuser
    candidates = [
        (
            "documents:backoffice_queue",
            _("Cases of your department"),
            bool(roles & set(CASE_ROLES)),
        ),
        ("portal_bo_identity", _("Confirm a person's identity at the counter"), at_counter),
        ("portal_bo_representations", _("Powers of attorney waiting for approval"), at_counter),
        ("certauth:ra_queue", _("Certificate requests"), ra_policy().is_operator(user)),
        ("certauth:ca_console", _("Certificate authority console"), ra_policy().is_ca_admin(user)),
        ("forms_platform:designer", _("Form designer"), can_manage_forms(user)),
        ("admin:index", _("Administration (offices, departments, staff)"), user.is_staff),
    ]
    sections = [
        {"url": reverse(name), "title": title} for name, title, allowed in candidates if allowed
    ]
    # ESP machine tokens: CPD administrators and office administrators (``may_manage_tokens``)
    for office in offices_managed_by(user).order_by("name"):
        sections.append(
            {
                "url": reverse("documents:backoffice_esp_tokens", args=[office.terc]),
                "title": _("ESP machine tokens: %(office)s") % {"office": office.name},
            }
        )
    # the register of correspondence (RPW) of each office whose register the person keeps
    for office in register_offices(user=user):
        sections.append(
            {
                "url": reverse("documents:register_paper", args=[office.terc]),
                "title": _("Register of correspondence: %(office)s") % {"office": office.name},
            }
        )
    return sections


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """The back office's start page: the sections the person may use, with their roles."""
    memberships = list(memberships_active(user=request.user).select_related("office", "department"))
    context = {"memberships": memberships, "sections": _sections(request.user, memberships)}
    return render(request, "portal/backoffice/home.html", context)
