from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import (
    CaseResult,
    ComplaintKind,
    DeliveryChannel,
    LetterKind,
    PartyRole,
    SuspensionBasis,
)


def party_label(party, representative=None) -> str:
    """A party as the clerk picks it: name, role, and who receives for it."""
    label = f"{party.correspondent.display_name} ({party.get_role_display()})"
    if representative is not None:
        label += " – " + _("served to the representative %(name)s") % {
            "name": representative.correspondent.display_name
        }
    return label


class PartiesMixin:
    """The parties of the case who receive the letter: a checkbox each, all ticked by default
    (no field when the case records no parties: the letter goes to its applicant)."""

    def add_parties(self, parties, *, label) -> None:
        every = list(parties)
        represented = {
            p.represents_id: p
            for p in every
            if p.role == PartyRole.REPRESENTATIVE and p.represents_id
        }
        self.parties = {str(p.pk): p for p in every if p.role != PartyRole.REPRESENTATIVE}
        if not self.parties:
            return
        self.fields["recipients"] = forms.MultipleChoiceField(
            label=label,
            choices=[
                (key, party_label(p, represented.get(p.pk))) for key, p in self.parties.items()
            ],
            initial=list(self.parties),
            widget=forms.CheckboxSelectMultiple,
            help_text=_("A party with a representative is served through the representative."),
            error_messages={"required": _("Choose at least one party.")},
        )

    def chosen_parties(self):
        """The chosen parties, or None for every party (no choice offered)."""
        if "recipients" not in self.fields:
            return None
        return [self.parties[key] for key in self.cleaned_data["recipients"]]


class LetterForm(PartiesMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of letter"),
        choices=[(k, v) for k, v in LetterKind.choices if k != LetterKind.DECISION],
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 8}))
    supplement_days = forms.IntegerField(
        label=_("Days to supplement, from delivery (for a call to supplement)"),
        required=False,
        min_value=7,
        max_value=90,
        help_text=_("At least 7 days, counted from delivery (KPA art. 64 § 2)."),
    )

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_parties(parties, label=_("Send to"))

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") == LetterKind.CALL_TO_SUPPLEMENT
            and data.get("supplement_days") is None
        ) and "supplement_days" not in self.errors:
            self.add_error("supplement_days", _("Give the number of days (at least 7)."))
        return data


# --- deadlines and archive (documents.backoffice.deadlines, .archive) -------------


class _DateInput(forms.DateInput):
    input_type = "date"


class SuspensionStartForm(forms.Form):
    basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=[c for c in SuspensionBasis.choices if c[0] != SuspensionBasis.SUPPLEMENT],
    )
    started_on = forms.DateField(label=_("From (the first day not counted)"), widget=_DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class SuspensionEndForm(forms.Form):
    ended_on = forms.DateField(label=_("Until (the last day not counted)"), widget=_DateInput)


class SupplementCallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("What is missing"), widget=forms.Textarea(attrs={"rows": 5}))
    days = forms.IntegerField(
        label=_("Days from delivery"),
        min_value=7,
        max_value=90,
        initial=7,
        help_text=_("At least 7 days, counted from delivery (KPA art. 64 § 2)."),
    )


class LeaveUnexaminedForm(forms.Form):
    body = forms.CharField(
        label=_("Content of the notice"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DelayNoticeForm(forms.Form):
    new_deadline = forms.DateField(label=_("New date for dealing with the case"), widget=_DateInput)
    reasons = forms.CharField(
        label=_("Reasons for the delay"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ComplaintForwardForm(forms.Form):
    higher_body = forms.CharField(label=_("Higher body"), max_length=300)
    position = forms.CharField(
        label=_("The office's position"), widget=forms.Textarea(attrs={"rows": 4})
    )


class CaseCloseForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=CaseResult.choices)


class ComplaintFileForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the complaint is about"),
        choices=ComplaintKind.choices,
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("A complaint about delay must give its reasons (KPA art. 37 § 1)."),
    )


class TransferListForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    closed_until = forms.DateField(label=_("Files of cases closed until"), widget=_DateInput)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class DestructionProposalForm(forms.Form):
    office = forms.ModelChoiceField(label=_("Office"), queryset=None)
    as_of = forms.DateField(label=_("Retention ended by"), widget=_DateInput)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices


class DestructionDecisionForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("The state archive consents")), ("0", _("Rejected: keep the files"))],
        coerce=lambda v: v == "1",
    )
    reference = forms.CharField(label=_("Reference of the decision"), max_length=200)


class DispatchFilterForm(forms.Form):
    """Which office's outgoing book, for which channel and period (GET; names as in the URL)."""

    urzad = forms.ModelChoiceField(label=_("Office"), queryset=None, required=False,
                                   to_field_name="terc")  # fmt: skip
    # with a context: payments' "Channel" (how one pays) and "To" (whom to) are other words
    kanal = forms.ChoiceField(label=pgettext_lazy("delivery", "Channel"),
                              choices=DeliveryChannel.choices, required=False)  # fmt: skip
    od = forms.DateField(label=pgettext_lazy("period", "From"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    do = forms.DateField(label=pgettext_lazy("period", "To"), required=False,
                         widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urzad"].queryset = offices

    def clean(self):
        data = super().clean()
        start, end = data.get("od"), data.get("do")
        if start and end and (end < start or (end - start).days > 366):
            self.add_error("do", _("Give a period of at most a year, ending after it starts."))
        return data


class PaperReceiptForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The post returned"),
        choices=[
            ("received", _("the return receipt, signed on the date below")),
            ("returned", _("the letter, not collected; the date below is the first notice")),
        ],
        widget=forms.RadioSelect,
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))


class DecisionStartForm(forms.Form):
    template = forms.ChoiceField(label=_("Decision template"))

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {str(t.pk): t for t in templates}
        self.fields["template"].choices = [
            (str(t.pk), f"{t.template.name} (v{t.number})") for t in templates
        ]

    def chosen(self):
        return self.templates[self.cleaned_data["template"]]


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}))
    ruling = forms.CharField(label=_("Ruling"), widget=forms.Textarea(attrs={"rows": 5}))
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 8}))
    appeal_body = forms.CharField(label=_("Appeal body"), max_length=300)


class DispatchForm(PartiesMixin, forms.Form):
    """Sending the signed decision: to every party by default (KPA art. 109 § 1)."""

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_parties(parties, label=_("Send the decision to"))


class SignedDecisionForm(forms.Form):
    signed_file = forms.FileField(
        label=_("The signed decision (XML with your XAdES signature)"),
        error_messages={"required": _("Choose the signed file.")},
    )

    def clean_signed_file(self):
        upload = self.cleaned_data["signed_file"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is too large for a signed decision."))
        return upload.read()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("What should be changed"), widget=forms.Textarea(attrs={"rows": 3})
    )


class StepForm(forms.Form):
    transition = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=300)


def _state_choices():
    from .models import CaseStatus

    return [(code, f"{code} – {label}") for code, label in CaseStatus.choices]


class WorkflowForm(forms.Form):
    steps = forms.CharField(
        label=_("Steps"),
        widget=forms.Textarea(attrs={"rows": 22, "class": "code", "spellcheck": "false"}),
        help_text=_(
            "One step a line: “step: from, from -> to [roles] {conditions}”. Roles: registry, "
            "clerk, head, signer, party, system. Every workflow starts in “open”."
        ),
    )
    stopped = forms.MultipleChoiceField(
        label=_("States in which the legal deadline stops"),
        choices=_state_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    final = forms.MultipleChoiceField(
        label=_("Final states"),
        choices=_state_choices,
        widget=forms.CheckboxSelectMultiple,
    )


# --- sharing and opinions (documents.backoffice.sharing, .opinions) ----------------


class ShareForm(forms.Form):
    clerk = forms.TypedChoiceField(label=_("Member of staff"), coerce=int)
    may_change = forms.BooleanField(
        label=_("May also handle the case (take the clerk's steps)"), required=False
    )

    def __init__(self, *args, candidates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clerk"].choices = [("", _("Choose a person")), *list(candidates)]


class OpinionRequestForm(forms.Form):
    addressee = forms.ChoiceField(label=_("Ask"))
    question = forms.CharField(
        label=_("Question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    due_on = forms.DateField(label=_("Answer due by"), widget=_DateInput)

    def __init__(self, *args, departments=(), people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addressee"].choices = [
            ("", _("Choose a department or a person")),
            (_("Departments"), [(f"d{pk}", name) for pk, name in departments]),
            (_("People"), [(f"u{pk}", name) for pk, name in people]),
        ]


class _MultipleFiles(forms.ClearableFileInput):
    allow_multiple_selected = True


class _FilesField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", _MultipleFiles())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(_FilesField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class OpinionAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Opinion"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10})
    )
    files = _FilesField(
        label=_("Attachments"),
        required=False,
        help_text=_("Up to 10 files of up to 10 MB each."),
    )
