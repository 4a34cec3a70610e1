"""The search text of a case: its sign, title, parties and the text of its documents.

``case_search_index`` rebuilds it; the history writer calls it with every new line of the
metryka, so whatever changed the case (a document in, a letter out, a party added) is
searchable from the same transaction on. A step that writes several lines at once (the intake
opening a case) runs inside ``case_search_batch``: each changed case is then indexed once, at
the end of the block, still inside the step's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q

from forms_platform.errors import DocumentInvalid
from forms_platform.selectors import read_document

from ..models import Case, CaseParty, Correspondent, Letter, Submission

MAX_CHARS = 100_000


def _words(value) -> list[str]:
    """Every scalar value of a form's data, in document order."""
    if isinstance(value, dict):
        return [word for item in value.values() for word in _words(item)]
    if isinstance(value, list | tuple):
        return [word for item in value for word in _words(item)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]


def document_text(*, document: bytes, form_version=None, root=None) -> str:
    """The filled-in values of a submitted form (empty when it cannot be read); ``root``: its
    tree, parsed already by ``sekap.xmlsafe``."""
    try:
        parsed = read_document(bytes(document), version=form_version, root=root)
    except (DocumentInvalid, ValueError):
        return ""
    return " ".join(_words(parsed.data))


def _text(
    *, case: Case, parties: list[Correspondent], submissions: list[tuple[str, str]], letters
) -> str:
    parts = [case.sign, case.title]
    applicant = case.applicant
    if applicant is not None:  # none for a case opened from a paper letter
        parts += [applicant.get_full_name(), applicant.email]
    for correspondent in parties:
        parts += [correspondent.display_name, correspondent.nip]
    if case.company_id:
        parts.append(str(case.company))
    for title, text in submissions:
        parts += [title, text]
    for title, body in letters:
        parts += [title, body]
    return " ".join(p for p in parts if p)[:MAX_CHARS]


def case_search_text(*, case: Case) -> str:
    parties = CaseParty.objects.filter(case=case).select_related("correspondent")
    submissions = Submission.objects.filter(Q(case=case) | Q(reply_to=case)).select_related(
        "form_version"
    )
    return _text(
        case=case,
        parties=[party.correspondent for party in parties],
        submissions=[
            (s.title, document_text(document=s.document, form_version=s.form_version))
            for s in submissions.order_by("received_at", "pk")
        ],
        letters=Letter.objects.filter(case=case).values_list("title", "body"),
    )


def new_case_search_text(*, case: Case, party: Correspondent, title: str, text: str) -> str:
    """The search text of a case being opened from one filed document (its ``title`` and
    ``text``, :func:`document_text`) with one party: what :func:`case_search_text` reads once
    it is saved, known without reading it."""
    return _text(case=case, parties=[party], submissions=[(title, text)], letters=())


_batch: ContextVar[dict[int, Case] | None] = ContextVar("case_search_batch", default=None)


def case_search_index(*, case: Case) -> None:
    pending = _batch.get()
    if pending is not None:
        pending[case.pk] = case
        return
    Case.objects.filter(pk=case.pk).update(search_text=case_search_text(case=case))


@contextmanager
def case_search_batch() -> Iterator[None]:
    """Index each case changed in the block once, when the block ends without an error (call
    it inside the transaction, so the text commits with the change)."""
    if _batch.get() is not None:  # already batching: the outer block indexes
        yield
        return
    pending: dict[int, Case] = {}
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    for case in pending.values():
        case_search_index(case=case)
