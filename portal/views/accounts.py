"""Registration, e-mail confirmation, password reset, profile and proving identity."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from offices.selectors import office_by_terc
from sekap.accounts.selectors import representations_live
from sekap.accounts.services import password_changed, representation_request
from sekap.errors import DomainError

from ..forms import (
    ConfirmEmailForm,
    ProfileForm,
    RegistrationForm,
    RepresentationForm,
    ResendConfirmationForm,
    SignedFileForm,
)
from ..services import accounts as services


def _confirm_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("portal_confirm", args=["TOKEN"])).replace(
        "TOKEN", "{token}"
    )


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal_profile")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.registration_create(
                email=data["email"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                kind=data["kind"],
                confirm_url=_confirm_url(request),
            )
        except DomainError as exc:
            form.add_error("email", exc.message)
        else:
            return redirect("portal_register_sent")
    return render(request, "portal/accounts/register.html", {"form": form})


def register_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/accounts/register_sent.html", {"hours": services.unconfirmed_hours()}
    )


@require_http_methods(["GET", "POST"])
def register_resend(request: HttpRequest) -> HttpResponse:
    """Send the confirmation link again. The answer is the same for every address (it tells
    nothing about which addresses have accounts); the mail goes only to the address itself."""
    form = ResendConfirmationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.confirmation_resend(
            email=form.cleaned_data["email"], confirm_url=_confirm_url(request)
        )
        return redirect("portal_register_sent")
    return render(request, "portal/accounts/register_resend.html", {"form": form})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the form (mail scanners must not confirm); POST with the password confirms."""
    try:
        user = services.confirmation_user(token)
    except DomainError as exc:
        return render(request, "portal/accounts/confirm.html", {"error": exc.message}, status=400)
    form = ConfirmEmailForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.email_confirm(token=token, password=form.cleaned_data["password"])
        except DomainError as exc:
            form.add_error("password", exc.message)
        else:
            messages.success(request, _("Your e-mail address is confirmed. You can log in now."))
            return redirect("accounts:login")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "portal/accounts/confirm.html", {"form": form, "email": user.email}, status=status
    )


def privacy(request: HttpRequest, terc: str = "") -> HttpResponse:
    """The information on processing personal data (GDPR art. 13); with an office's TERC code,
    the notice for the applications sent to that office (the office is the controller, the
    platform's operator its processor)."""
    office = None
    if terc:
        office = office_by_terc(terc)
        if office is None:
            raise Http404
    return render(
        request,
        "portal/accounts/privacy.html",
        {
            "operator": settings.SEKAP_OPERATOR,
            "unconfirmed_hours": services.unconfirmed_hours(),
            "office": office,
            "identity": office.identity if office else None,
        },
    )


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/accounts/password_reset.html"
    email_template_name = "portal/accounts/password_reset_email.txt"
    subject_template_name = "portal/accounts/password_reset_subject.txt"
    success_url = reverse_lazy("portal_password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/accounts/password_reset_confirm.html"
    success_url = reverse_lazy("portal_password_reset_complete")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            password_changed(actor=form.user, user=form.user, channel="reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    profile = services.profile_of(user)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "pesel": user.pesel,
        "phone": user.phone,
        **{
            key: getattr(profile, key)
            for key in ("postal_code", "post_office", "city", "street", "building", "unit")
        },
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if user.is_identity_verified:
        for name in ("first_name", "last_name", "pesel"):
            form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update(
                user=user,
                person={k: data[k] for k in ("first_name", "last_name", "pesel", "phone")},
                address={
                    k: data[k]
                    for k in ("postal_code", "post_office", "city", "street", "building", "unit")
                },
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("portal_profile")
    return render(
        request,
        "portal/accounts/profile.html",
        {"form": form, "profile": profile, "representations": representations_live(user=user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    """How to get verified: at a counter, or by signing a challenge with a certificate."""
    form = SignedFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.identity_prove_by_signature(
                user=request.user, signed_xml=form.cleaned_data["signed_file"]
            )
        except DomainError as exc:
            form.add_error("signed_file", exc.message)
        else:
            messages.success(request, _("Your identity is verified."))
            return redirect("portal_profile")
    return render(request, "portal/accounts/identity.html", {"form": form})


@login_required
@require_POST
def identity_challenge(request: HttpRequest) -> HttpResponse:
    challenge = services.identity_challenge_create(user=request.user)
    response = HttpResponse(services.challenge_document(challenge), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="potwierdzenie-{challenge.pk}.xml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def companies(request: HttpRequest) -> HttpResponse:
    """The companies a person acts for and their requests for new powers of attorney."""
    form = RepresentationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            representation_request(
                user=request.user,
                nip=data["nip"],
                name=data["name"],
                regon=data["regon"],
                krs=data["krs"],
                address=data["address"],
                scope=data["scope"],
                power_of_attorney=data["power_of_attorney"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Your request is sent. An office will check the power of attorney.")
            )
            return redirect("portal_companies")
    representations = request.user.representations.select_related("company").order_by(
        "-requested_at"
    )
    return render(
        request,
        "portal/accounts/companies.html",
        {"form": form, "representations": representations},
    )
