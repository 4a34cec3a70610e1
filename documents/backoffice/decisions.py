"""The decision page of a case (/backoffice/sprawy/<pk>/decyzja/) and the workflow steps a
clerk takes by hand from the case page. Thin: each POST calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError
from signatures.browser_http import octets_response, posted_signature_value

from .. import selectors
from ..forms import (
    DecisionForm,
    DecisionStartForm,
    DispatchForm,
    ReasonForm,
    SignedDecisionForm,
    StepForm,
)
from ..selectors.register import case_parties
from ..services import letters
from ..services.workflow import case_transition, transitions_available

# Steps taken by their own services (decision page, letters, deliveries, sweeps), not by hand.
SERVICE_STEPS = frozenset(
    {
        "take",
        "call_supplement",
        "draft_decision",
        "submit_for_approval",
        "approve",
        "return_for_changes",
        "sign",
        "dispatch",
        "deliver",
        "appeal",
        "become_final",
    }
)


def _case(request: HttpRequest, pk: int):
    case = selectors.staff_case(staff=request.user, pk=pk)
    if case is None:
        raise Http404
    return case


def manual_steps(*, case, user) -> list:
    return [t for t in transitions_available(case=case, actor=user) if t.code not in SERVICE_STEPS]


def _page(request, case, *, forms: dict | None = None, status: int = 200) -> HttpResponse:
    decision = letters.decision_for(case)
    steps = {t.code for t in transitions_available(case=case, actor=request.user)}
    context = {
        "case": case,
        "decision": decision,
        "steps": steps,
        "templates": letters.templates_published(office=case.office, kind="decision"),
        "start_form": DecisionStartForm(
            templates=letters.templates_published(office=case.office, kind="decision")
        ),
        "edit_form": DecisionForm(
            initial={name: getattr(decision, name) for name in letters.EDITABLE}
            if decision
            else None
        ),
        "reason_form": ReasonForm(),
        "dispatch_form": DispatchForm(parties=case_parties(case)),
        "upload_form": SignedDecisionForm(),
        "signing": letters.signing_choice(decision=decision, actor=request.user)
        if decision is not None and decision.status == "approved" and "sign" in steps
        else None,
        "appeals": list(
            decision.appeals.select_related("filed_by", "submission__register_entry").order_by(
                "filed_at"
            )
        )
        if decision
        else [],
        **(forms or {}),
    }
    return render(request, "documents/backoffice_decision.html", context, status=status)


@staff_required
def decision_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _case(request, pk))


def _done(request, case, call, message: str, forms: dict | None = None):
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        if forms:
            return _page(request, case, forms=forms, status=400)
    else:
        messages.success(request, message)
    return redirect("documents:backoffice_decision", pk=case.pk)


@staff_required
@require_POST
def decision_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _case(request, pk)
    user = request.user
    decision = letters.decision_for(case)
    if action == "start":
        form = DecisionStartForm(
            request.POST, templates=letters.templates_published(office=case.office, kind="decision")
        )
        if not form.is_valid():
            return _page(request, case, forms={"start_form": form}, status=400)
        return _done(
            request,
            case,
            lambda: letters.decision_draft(case=case, template=form.chosen(), actor=user),
            _("The draft decision was prepared from the template."),
        )
    if decision is None:
        raise Http404
    if action == "save":
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return _page(request, case, forms={"edit_form": form}, status=400)
        return _done(
            request,
            case,
            lambda: letters.decision_edit(decision=decision, actor=user, content=form.cleaned_data),
            _("The draft was saved."),
            forms={"edit_form": form},
        )
    if action == "return":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return _page(request, case, forms={"reason_form": form}, status=400)
        return _done(
            request,
            case,
            lambda: letters.decision_return(
                decision=decision, actor=user, reason=form.cleaned_data["reason"]
            ),
            _("The draft was returned for changes."),
        )
    if action == "dispatch":
        form = DispatchForm(request.POST, parties=case_parties(case))
        if not form.is_valid():
            return _page(request, case, forms={"dispatch_form": form}, status=400)
        return _done(
            request,
            case,
            lambda: letters.decision_dispatch(
                decision=decision, actor=user, parties=form.chosen_parties()
            ),
            _("The decision was sent to the parties."),
            forms={"dispatch_form": form},
        )
    if action == "upload":
        form = SignedDecisionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                letters.decision_sign_personal(
                    decision=decision, actor=user, signed_xml=form.cleaned_data["signed_file"]
                )
            except DomainError as exc:
                form.add_error("signed_file", exc.message)
            else:
                messages.success(request, _("The decision was signed with your certificate."))
                return redirect("documents:backoffice_decision", pk=case.pk)
        return _page(request, case, forms={"upload_form": form}, status=400)
    if action == "browser":
        return _browser(request, case, decision)
    steps = {
        "submit": (letters.decision_submit, _("The draft was passed to the head for approval.")),
        "approve": (letters.decision_approve, _("The decision was approved.")),
        "sign": (letters.decision_sign, _("The decision was signed with the office seal.")),
        "prepare": (
            letters.decision_to_sign,
            _("The decision is ready for your signature: download it, sign it and upload it."),
        ),
    }
    if action not in steps:
        raise Http404
    service, message = steps[action]
    return _done(request, case, lambda: service(decision=decision, actor=user), message)


def _browser(request: HttpRequest, case, decision) -> HttpResponse:
    """Signing in the browser (the portal's script): ``start`` answers the octets to sign
    (JSON); ``finish`` takes the signature value and signs like an uploaded file."""
    if request.POST.get("action") == "start":
        return octets_response(
            lambda: letters.decision_browser_start(
                decision=decision, actor=request.user, key_id=request.POST.get("key_id", "")
            )
        )
    value = posted_signature_value(request)
    return _done(
        request,
        case,
        lambda: letters.decision_browser_finish(
            decision=decision, actor=request.user, signature_value=value
        ),
        _("The decision was signed with your certificate."),
    )


@staff_required
def decision_to_sign(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision prepared for the official's own signature (only theirs, while approved)."""
    case = _case(request, pk)
    decision = letters.decision_for(case)
    if (
        decision is None
        or decision.status != "approved"
        or not decision.to_sign
        or decision.to_sign_for_id != request.user.pk
    ):
        raise Http404
    response = HttpResponse(bytes(decision.to_sign), content_type="application/xml")
    response["Content-Disposition"] = (
        f'attachment; filename="decyzja-{decision.public_id}-do-podpisu.xml"'
    )
    return response


@staff_required
def decision_document(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    case = _case(request, pk)
    decision = letters.decision_for(case)
    if decision is None or decision.letter_id is None or fmt not in ("xml", "pdf"):
        raise Http404
    if fmt == "xml":
        response = HttpResponse(bytes(decision.letter.xml), content_type="application/xml")
    elif decision.pdf_sha256:
        response = HttpResponse(bytes(decision.pdf), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="decyzja-{decision.public_id}.{fmt}"'
    return response


@staff_required
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    """A workflow step without a document of its own (accept, suspend, close...)."""
    case = _case(request, pk)
    form = StepForm(request.POST)
    if form.is_valid() and form.cleaned_data["transition"] not in SERVICE_STEPS:
        try:
            case_transition(
                case=case,
                transition=form.cleaned_data["transition"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("The case moved on."))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("This step is not possible here."))
    return redirect("documents:backoffice_case", pk=case.pk)
