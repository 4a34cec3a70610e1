"""Pages: holders' certificates and requests, public search, RA queue, CA console. Thin."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from . import selectors
from .authority import ra_policy
from .errors import ApprovalNotAllowed
from .forms import (
    CsrForm,
    HolderRevokeForm,
    OperatorRevokeForm,
    RejectForm,
    SerialSearchForm,
    StaffRequestForm,
)
from .keys import KeyOffline
from .models import (
    Certificate,
    CertificateAuthority,
    CertificateRequest,
    Profile,
    RevocationRequest,
)
from .services.crl import crl_publish
from .services.enrolment import may_decide, request_approve, request_reject, request_submit
from .services.revocation import (
    certificate_release_hold,
    certificate_revoke,
    in_scope,
    is_critical,
    revocation_request_approve,
    revocation_request_file,
    revocation_request_reject,
)


def _pem(der: bytes) -> str:
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN CERTIFICATE-----\n{lines}\n-----END CERTIFICATE-----\n"


# --- holders ----------------------------------------------------------------------------------


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "certauth/my_certificates.html",
        {
            "certificates": selectors.certificates_of(holder=request.user),
            "requests": selectors.requests_of(user=request.user).exclude(status="issued"),
        },
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    profile = get_object_or_404(Profile, slug="citizen-signing", is_active=True)
    form = CsrForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        origin = "browser" if form.cleaned_data.get("origin") == "browser" else "upload"
        try:
            request_submit(
                user=request.user,
                profile=profile,
                csr=form.cleaned_data["csr_bytes"],
                origin=origin,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Your request has been filed. Visit any office with your identity document "
                    "to have it approved."
                ),
            )
            return redirect("certauth:my_certificates")
    return render(
        request,
        "certauth/request_new.html",
        {"form": form, "profile": profile, "verified": request.user.is_identity_verified},
    )


def _own_or_operator(request: HttpRequest, certificate: Certificate) -> None:
    if certificate.holder_id != request.user.pk and not ra_policy().is_operator(request.user):
        raise Http404


@login_required
def certificate_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    certificate = get_object_or_404(Certificate.objects.select_related("ca__parent"), pk=pk)
    _own_or_operator(request, certificate)
    name = f"sekap-{certificate.serial_hex}"
    if fmt == "der":
        response = HttpResponse(bytes(certificate.der), content_type="application/pkix-cert")
        filename = f"{name}.cer"
    elif fmt == "pem":
        chain = selectors.certificate_chain(certificate)
        response = HttpResponse(
            "".join(_pem(d) for d in chain), content_type="application/x-pem-file"
        )
        filename = f"{name}-chain.pem"
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def certificate_revoke_own(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(Certificate, pk=pk, holder=request.user)
    form = HolderRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_revoke(
                certificate=certificate, reason=form.cleaned_data["reason"], actor=request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The certificate has been revoked."))
            return redirect("certauth:my_certificates")
    return render(request, "certauth/revoke.html", {"form": form, "certificate": certificate})


def serial_search(request: HttpRequest) -> HttpResponse:
    form = SerialSearchForm(request.GET or None)
    results = None
    if form.is_valid():
        results = list(selectors.search_by_serial(form.cleaned_data["serial"])[:10])
    return render(request, "certauth/search.html", {"form": form, "results": results})


# --- back office: RA operators ----------------------------------------------------------------


def _operator(request: HttpRequest) -> None:
    if not ra_policy().is_operator(request.user):
        raise PermissionDenied


@staff_required
def ra_queue(request: HttpRequest) -> HttpResponse:
    _operator(request)
    decisions: dict[tuple[str, str], bool] = {}  # one policy question per kind and office
    pending = []
    for item in selectors.pending_requests()[:200]:
        key = (item.profile.subject_kind, item.office_terc)
        if key not in decisions:
            decisions[key] = may_decide(user=request.user, request=item)
        if decisions[key]:
            pending.append(item)
    return render(request, "certauth/ra_queue.html", {"pending": pending})


@staff_required
def ra_request(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    item = get_object_or_404(
        CertificateRequest.objects.select_related("profile", "requester", "subject_user"), pk=pk
    )
    return render(
        request,
        "certauth/ra_request.html",
        {
            "item": item,
            "reject_form": RejectForm(),
            "own": request.user.pk in (item.requester_id, item.subject_user_id),
        },
    )


@staff_required
@require_POST
def ra_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    item = get_object_or_404(CertificateRequest, pk=pk)
    try:
        certificate = request_approve(request=item, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("certauth:ra_request", pk=pk)
    messages.success(
        request, _("Certificate %(serial)s issued.") % {"serial": certificate.serial_hex}
    )
    return redirect("certauth:ra_queue")


@staff_required
@require_POST
def ra_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _operator(request)
    item = get_object_or_404(CertificateRequest, pk=pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for rejection."))
        return redirect("certauth:ra_request", pk=pk)
    try:
        request_reject(request=item, actor=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("certauth:ra_request", pk=pk)
    messages.success(request, _("The request has been rejected."))
    return redirect("certauth:ra_queue")


@staff_required
def ra_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """Operators change the status of certificates in their scope; critical ones by request."""
    if not (ra_policy().is_operator(request.user) or ra_policy().is_ca_admin(request.user)):
        raise PermissionDenied
    certificate = get_object_or_404(Certificate.objects.select_related("profile", "holder"), pk=pk)
    if not in_scope(user=request.user, certificate=certificate):
        raise PermissionDenied
    pending = certificate.revocation_requests.filter(
        status=RevocationRequest.Status.PENDING
    ).first()
    critical = is_critical(certificate)
    form = OperatorRevokeForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "revoke")
        try:
            if action in ("approve", "reject") and pending is not None:
                if action == "approve":
                    revocation_request_approve(request=pending, actor=request.user)
                    messages.success(request, _("The certificate status has been changed."))
                else:
                    revocation_request_reject(request=pending, actor=request.user)
                    messages.success(request, _("The request has been rejected."))
                return redirect("certauth:ra_certificate", pk=pk)
            if action == "release" or form.is_valid():
                reason = "" if action == "release" else form.cleaned_data["reason"]
                if critical:
                    revocation_request_file(
                        certificate=certificate,
                        action="release" if action == "release" else "revoke",
                        reason=reason,
                        actor=request.user,
                    )
                    messages.success(
                        request, _("The request has been filed; a second person must approve it.")
                    )
                elif action == "release":
                    certificate_release_hold(certificate=certificate, actor=request.user)
                    messages.success(request, _("The suspension has been lifted."))
                else:
                    certificate_revoke(certificate=certificate, reason=reason, actor=request.user)
                    messages.success(request, _("The certificate status has been changed."))
                return redirect("certauth:ra_certificate", pk=pk)
        except DomainError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "certauth/ra_certificate.html",
        {
            "certificate": certificate,
            "form": form,
            "critical": critical,
            "pending": pending,
            "own_pending": pending is not None and pending.requested_by_id == request.user.pk,
        },
    )


@staff_required
def staff_request_new(request: HttpRequest) -> HttpResponse:
    """Clerks request their own signing certificate; office admins request the office seal."""
    offices = ra_policy().seal_offices(request.user)
    form = StaffRequestForm(request.POST or None, request.FILES or None, offices=offices)
    if request.method == "POST" and form.is_valid():
        profile = get_object_or_404(Profile, slug=form.cleaned_data["kind"], is_active=True)
        browser_key = form.cleaned_data.get("origin") == "browser"
        try:
            if browser_key and profile.slug != "clerk-signing":
                # A key made in a browser is the official's own, never an office seal's.
                raise ApprovalNotAllowed(
                    _("A key made in the browser is only for your own clerk certificate.")
                )
            request_submit(
                user=request.user,
                profile=profile,
                csr=form.cleaned_data["csr_bytes"],
                origin="browser" if browser_key else "upload",
                office_terc=form.cleaned_data.get("office_terc") or "",
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("The request has been filed; another operator must approve it.")
            )
            return redirect("certauth:my_certificates")
    return render(request, "certauth/staff_request_new.html", {"form": form})


# --- back office: CPD administrators ------------------------------------------------------------


@staff_required
def ca_console(request: HttpRequest) -> HttpResponse:
    if not ra_policy().is_ca_admin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        ca_id = request.POST.get("ca", "")
        if not ca_id.isdigit():
            raise Http404
        ca = get_object_or_404(CertificateAuthority, pk=int(ca_id))
        try:
            crl_publish(ca=ca, actor=request.user)
        except KeyOffline:
            messages.error(
                request,
                _(
                    "This CA's key is kept offline: its CRL is signed in the offline ceremony "
                    "(manage.py ca_root_crl)."
                ),
            )
        else:
            messages.success(request, _("A new CRL has been published."))
        return redirect("certauth:ca_console")
    authorities = CertificateAuthority.objects.annotate(
        issued_count=Count("issued"),
        revoked_count=Count("issued", filter=Q(issued__status="revoked")),
        held_count=Count("issued", filter=Q(issued__status="on_hold")),
    ).order_by("pk")
    rows = [(ca, selectors.latest_crl(ca=ca)) for ca in authorities]
    return render(request, "certauth/ca_console.html", {"rows": rows})
