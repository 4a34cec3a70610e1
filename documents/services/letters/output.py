"""The decision as a document: its XML (sealed and stored as the letter) and its PDF
(rendered off the request path by a task, stored once with its SHA-256)."""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

from django.template.loader import render_to_string
from django.utils import timezone

from sekap.datetimes import polish_date

from ...models import Decision

DECISION_NS = "urn:sekap:documents:decyzja:1"


def appeal_instruction(decision: Decision) -> str:
    """Pouczenie (KPA art. 107 § 1 pt 7, art. 127–129): the body, the way and the period."""
    return (
        f"Od niniejszej decyzji przysługuje stronie odwołanie do {decision.appeal_body} "
        f"za pośrednictwem organu, który wydał decyzję ({decision.organ}), w terminie "
        f"{decision.appeal_days} dni od dnia jej doręczenia. W trakcie biegu terminu do "
        "wniesienia odwołania strona może zrzec się prawa do jego wniesienia (art. 127a KPA); "
        "z dniem doręczenia organowi oświadczenia o zrzeczeniu się prawa do wniesienia "
        "odwołania decyzja staje się ostateczna i prawomocna."
    )


def _paragraphs(tag: str, text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (
        f"<d:{tag}>"
        + "".join(f"<d:Akapit>{escape(line)}</d:Akapit>" for line in lines)
        + (f"</d:{tag}>")
    )


def decision_xml(*, decision: Decision, letter_id: str) -> bytes:
    """The decision with the elements of KPA art. 107 § 1 (sealed by the caller)."""
    case = decision.case
    parties = "".join(
        f"<d:Strona><d:Nazwa>{escape(p['name'])}</d:Nazwa>"
        + (f"<d:Adres>{escape(p['address'])}</d:Adres>" if p.get("address") else "")
        + (f"<d:Rola>{escape(p['role'])}</d:Rola>" if p.get("role") else "")
        + (
            f"<d:Pelnomocnik>{escape(p['representative'])}</d:Pelnomocnik>"
            if p.get("representative")
            else ""
        )
        + "</d:Strona>"
        for p in decision.parties
    )
    # KPA art. 107 § 1 pt 8: the name and the position of the official; how it is signed (the
    # office seal, or their own certificate, whose signature time the XAdES signature carries).
    kind = "podpis_urzednika" if decision.signature_kind == "personal" else "pieczec_urzedu"
    signed = (
        f"<d:Czas>{timezone.localtime(decision.signed_at).isoformat(timespec='seconds')}</d:Czas>"
        if decision.signed_at
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<d:Decyzja xmlns:d="{DECISION_NS}">'
        f"<d:Identyfikator>{letter_id}</d:Identyfikator>"
        f"<d:ZnakSprawy>{escape(case.sign)}</d:ZnakSprawy>"
        f"<d:Organ>{escape(decision.organ)}</d:Organ>"
        f'<d:Urzad typ="TERC">{case.office.terc}</d:Urzad>'
        f"<d:DataWydania>{decision.issued_on.isoformat()}</d:DataWydania>"
        f"<d:Tytul>{escape(decision.title)}</d:Tytul>"
        f"<d:Strony>{parties}</d:Strony>"
        f"{_paragraphs('PodstawaPrawna', decision.legal_basis)}"
        f"{_paragraphs('Rozstrzygniecie', decision.ruling)}"
        f"{_paragraphs('Uzasadnienie', decision.reasons)}"
        f"<d:Pouczenie><d:OrganOdwolawczy>{escape(decision.appeal_body)}</d:OrganOdwolawczy>"
        f"<d:TerminDni>{decision.appeal_days}</d:TerminDni>"
        f"<d:Tresc>{escape(appeal_instruction(decision))}</d:Tresc></d:Pouczenie>"
        f"<d:Podpis><d:ImieNazwisko>{escape(decision.signer_name)}</d:ImieNazwisko>"
        f"<d:Stanowisko>{escape(decision.signer_position)}</d:Stanowisko>"
        f"<d:Rodzaj>{kind}</d:Rodzaj>{signed}</d:Podpis>"
        "</d:Decyzja>"
    ).encode()


def party_line(party: dict) -> str:
    """One party as the decision names it: name, role, address, representative."""
    line = party["name"]
    if party.get("role"):
        line += f" ({party['role']})"
    if party.get("address"):
        line += f", {party['address']}"
    if party.get("representative"):
        line += f", reprezentowana przez pełnomocnika: {party['representative']}"
    return line


def decision_text(decision: Decision) -> str:
    """The decision as plain text (the letter's readable content)."""
    parts = [
        decision.organ,
        f"{decision.case.sign}, {polish_date(decision.issued_on)}",
        "DECYZJA",
        decision.title,
        "Strony:\n" + "\n".join(party_line(p) for p in decision.parties),
        "Na podstawie: " + decision.legal_basis,
        decision.ruling,
        "Uzasadnienie",
        decision.reasons,
        "Pouczenie",
        appeal_instruction(decision),
        f"{decision.signer_name}\n{decision.signer_position}".strip(),
    ]
    return "\n\n".join(part for part in parts if part)


def decision_html(decision: Decision) -> str:
    return render_to_string(
        "documents/decision_pdf.html",
        {"decision": decision, "instruction": appeal_instruction(decision)},
    )


def decision_render_pdf(*, decision_id: int) -> bool:
    """Render and store the PDF once; True when this call stored it."""
    from weasyprint import HTML  # loaded late: importing WeasyPrint is slow

    decision = Decision.objects.select_related("case", "case__office").get(pk=decision_id)
    if decision.pdf_sha256 or decision.letter_id is None:
        return False
    pdf = HTML(string=decision_html(decision), base_url=None).write_pdf()
    return bool(
        Decision.objects.filter(pk=decision_id, pdf_sha256="").update(
            pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest(), pdf_due_at=None
        )
    )
