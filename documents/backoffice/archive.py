"""The office archive's pages (/backoffice/archiwum/): transfer lists (spis zdawczo-odbiorczy,
printable, PDF, CSV) and destruction proposals. Seen only by the office's clerks and archivist."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sekap.accounts.decorators import staff_required
from sekap.errors import DomainError

from ..forms import DestructionDecisionForm, DestructionProposalForm, TransferListForm
from ..selectors import archive as reads
from ..services import archive


def _home(request: HttpRequest, *, transfer_form=None, proposal_form=None, status=200):
    user = request.user
    return render(
        request,
        "documents/archive/home.html",
        {
            "transfer_lists": list(reads.transfer_lists_for(user)[:100]),
            "proposals": list(reads.destruction_proposals_for(user)[:100]),
            "transfer_form": transfer_form
            or TransferListForm(departments=reads.archive_departments(user)),
            "proposal_form": proposal_form
            or DestructionProposalForm(
                offices=reads.archivist_offices(user), initial={"as_of": timezone.localdate()}
            ),
            "is_archivist": reads.archivist_offices(user).exists(),
        },
        status=status,
    )


@staff_required
def archive_home(request: HttpRequest) -> HttpResponse:
    if not reads.archive_offices(request.user).exists():
        raise Http404
    return _home(request)


@staff_required
@require_POST
def transfer_list_new(request: HttpRequest) -> HttpResponse:
    form = TransferListForm(request.POST, departments=reads.archive_departments(request.user))
    if form.is_valid():
        try:
            transfer = archive.transfer_list_create(
                department=form.cleaned_data["department"],
                actor=request.user,
                closed_until=form.cleaned_data["closed_until"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The transfer list was made."))
            return redirect("documents:archive_transfer", pk=transfer.pk)
    return _home(request, transfer_form=form, status=400)


def _transfer(request: HttpRequest, pk: int):
    transfer = reads.transfer_lists_for(request.user).filter(pk=pk).first()
    if transfer is None:
        raise Http404
    return transfer


def _transfer_context(transfer) -> dict:
    return {
        "transfer": transfer,
        "folders": reads.transfer_list_folders(transfer),
        "closures": list(reads.closures_of(transfer_list=transfer)),
    }


@staff_required
def transfer_list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _transfer(request, pk)
    context = _transfer_context(transfer)
    context["may_accept"] = archive.is_archivist(request.user, transfer.office_id)
    return render(request, "documents/archive/transfer_list.html", context)


@staff_required
def transfer_list_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    from weasyprint import HTML

    transfer = _transfer(request, pk)
    html = render_to_string("documents/archive/transfer_list_pdf.html", _transfer_context(transfer))
    response = HttpResponse(
        HTML(string=html, base_url=None).write_pdf(), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="spis-zdawczo-odbiorczy-{transfer.number}-{transfer.year}.pdf"'
    )
    return response


def _csv_response(name: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response.write("\ufeff")  # spreadsheets read UTF-8 with a BOM
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@staff_required
def transfer_list_csv(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _transfer(request, pk)
    rows = [
        [
            n,
            f"{transfer.department.symbol}.{row['case__jrwa_symbol']}",
            row["jrwa_heading"],
            row["case__year"],
            row["first"].year,
            row["last"].year,
            row["archival_category"],
            row["files"],
        ]
        for n, row in enumerate(reads.transfer_list_folders(transfer), start=1)
    ]
    header = [
        "lp",
        "znak_teczki",
        "tytul_teczki",
        "rok",
        "data_od",
        "data_do",
        "kategoria_archiwalna",
        "liczba_spraw",
    ]
    return _csv_response(f"spis-zdawczo-odbiorczy-{transfer.number}-{transfer.year}", header, rows)


@staff_required
@require_POST
def transfer_list_accept(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = _transfer(request, pk)
    try:
        archive.transfer_list_accept(transfer_list=transfer, archivist=request.user)
        messages.success(request, _("The files were accepted into the office archive."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("documents:archive_transfer", pk=transfer.pk)


@staff_required
@require_POST
def destruction_new(request: HttpRequest) -> HttpResponse:
    form = DestructionProposalForm(request.POST, offices=reads.archivist_offices(request.user))
    if form.is_valid():
        try:
            proposal = archive.destruction_proposal_create(
                office=form.cleaned_data["office"],
                archivist=request.user,
                as_of=form.cleaned_data["as_of"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The destruction proposal was made."))
            return redirect("documents:archive_destruction", pk=proposal.pk)
    return _home(request, proposal_form=form, status=400)


def _proposal(request: HttpRequest, pk: int):
    proposal = reads.destruction_proposals_for(request.user).filter(pk=pk).first()
    if proposal is None:
        raise Http404
    return proposal


@staff_required
def destruction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    form = DestructionDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            archive.destruction_proposal_decide(
                proposal=proposal,
                archivist=request.user,
                approved=form.cleaned_data["approved"],
                reference=form.cleaned_data["reference"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("documents:archive_destruction", pk=proposal.pk)
    return render(
        request,
        "documents/archive/destruction.html",
        {
            "proposal": proposal,
            "closures": list(reads.closures_of(destruction_proposal=proposal)),
            "form": form,
            "may_decide": archive.is_archivist(request.user, proposal.office_id),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def destruction_csv(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal(request, pk)
    rows = [
        [
            n,
            c.case.sign,
            c.case.title,
            c.jrwa_heading,
            c.archival_category,
            c.closed_on.isoformat(),
            c.retention_until.isoformat() if c.retention_until else "",
        ]
        for n, c in enumerate(reads.closures_of(destruction_proposal=proposal), start=1)
    ]
    header = [
        "lp",
        "znak_sprawy",
        "tytul",
        "haslo_jrwa",
        "kategoria",
        "zakonczona",
        "przechowywac_do",
    ]
    return _csv_response(f"brakowanie-{proposal.number}-{proposal.year}", header, rows)
