"""Helpdesk forms: input parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TicketForm(forms.Form):
    subject = forms.CharField(label=_("Ticket subject"), max_length=200)
    body = forms.CharField(
        label=_("Describe the problem"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you wanted to do, what happened, and any message you saw."),
    )
    page = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    case = forms.TypedChoiceField(
        label=_("Attach a case"), required=False, coerce=int, empty_value=None
    )
    submission = forms.TypedChoiceField(
        label=_("Attach an application"), required=False, coerce=int, empty_value=None
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the helpdesk staff of the data centre see the case or application "
            "I attach."
        ),
        required=False,
    )

    def __init__(self, *args, cases=(), submissions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        none = [("", _("none"))]
        self.fields["case"].choices = none + [(c.pk, f"{c.sign} – {c.title}") for c in cases]
        self.fields["submission"].choices = none + [
            (s.pk, f"{s.title} ({s.received_at:%d.%m.%Y})") for s in submissions
        ]
        if not cases:
            del self.fields["case"]
        if not submissions:
            del self.fields["submission"]
        if not cases and not submissions:
            del self.fields["consent"]

    def clean(self) -> dict:
        data = super().clean()
        attached = data.get("case") or data.get("submission")
        if attached and not data.get("consent"):
            self.add_error("consent", _("Tick this box to attach a case or an application."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5})
    )


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(
        label=_("Assign to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, staff=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("nobody"))] + [
            (u.pk, u.get_full_name() or u.email) for u in staff
        ]
