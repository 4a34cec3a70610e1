"""Forms of the register desk: a paper item with its sender, the period of the register, scans."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CorrespondentKind, RegisterChannel

PAPER_CHOICES = [
    (RegisterChannel.POST.value, RegisterChannel.POST.label),
    (RegisterChannel.IN_PERSON.value, RegisterChannel.IN_PERSON.label),
]
MAX_PERIOD = dt.timedelta(days=366)


class PaperItemForm(forms.Form):
    """The item; its sender is either a chosen correspondent or the new one described here."""

    correspondent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("The sender is"),
        choices=CorrespondentKind.choices,
        initial=CorrespondentKind.PERSON,
        required=False,
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Surname"), max_length=150, required=False)
    name = forms.CharField(label=_("Name of the organisation"), max_length=300, required=False)
    street = forms.CharField(label=_("Street and number"), max_length=200, required=False)
    postal_code = forms.RegexField(
        label=_("Postal code"), regex=r"^\d{2}-\d{3}$", max_length=6, required=False
    )
    city = forms.CharField(label=_("Town"), max_length=100, required=False)
    pesel = forms.CharField(label=_("PESEL"), max_length=11, required=False)
    nip = forms.CharField(label=_("NIP"), max_length=13, required=False)
    regon = forms.CharField(label=_("REGON"), max_length=14, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    ade = forms.CharField(label=_("e-Doręczenia address"), max_length=40, required=False)

    title = forms.CharField(label=_("Subject of the letter"), max_length=300)
    channel = forms.ChoiceField(
        label=_("Came"), choices=PAPER_CHOICES, initial=RegisterChannel.POST
    )
    department = forms.TypedChoiceField(label=_("Route to"), coerce=int)
    received_on = forms.DateField(
        label=_("Received on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for today."),
    )
    sender_reference = forms.CharField(
        label=_("Sender's reference"), max_length=100, required=False
    )
    sender_date = forms.DateField(
        label=_("Date on the letter"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    attachments_count = forms.IntegerField(
        label=_("Number of attachments"),
        min_value=0,
        max_value=999,
        required=False,
        help_text=_("Leave empty if unknown (brak danych)."),
    )
    attachments_kind = forms.CharField(
        label=_("Kind of attachments"), max_length=200, required=False
    )

    def __init__(self, *args, departments=(), chosen=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.chosen = chosen
        self.fields["department"].choices = [(d.pk, str(d)) for d in departments]

    SENDER = (
        "kind",
        "first_name",
        "last_name",
        "name",
        "street",
        "postal_code",
        "city",
        "pesel",
        "nip",
        "regon",
        "email",
        "ade",
    )

    def sender_fields(self) -> list:
        return [self[name] for name in self.SENDER]

    def clean_received_on(self):
        day = self.cleaned_data.get("received_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        if self.chosen is not None:
            return data
        kind = data.get("kind") or CorrespondentKind.PERSON
        if kind == CorrespondentKind.PERSON and not data.get("last_name"):
            self.add_error("last_name", _("Give the sender's surname or choose a sender."))
        if kind == CorrespondentKind.ORGANISATION and not data.get("name"):
            self.add_error("name", _("Give the organisation's name or choose a sender."))
        return data


class PeriodForm(forms.Form):
    od = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    do = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("od"), data.get("do")
        if start and end and (end < start or end - start > MAX_PERIOD):
            raise forms.ValidationError(_("Choose a period of at most one year, start first."))
        return data


class ScanForm(forms.Form):
    scan = forms.FileField(
        label=_("Scan (PDF, PNG, JPEG or TIFF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}),
    )


class CaseOpenForm(forms.Form):
    service = forms.TypedChoiceField(label=_("Kind of case (service)"), coerce=int)

    def __init__(self, *args, services=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.services = list(services)
        self.fields["service"].choices = [
            (s.pk, f"{s.title} ({s.department.symbol}.{s.jrwa_symbol})") for s in self.services
        ]


class CaseJoinForm(forms.Form):
    sign = forms.CharField(
        label=_("Case sign"), max_length=40, help_text=_("For example OR.1431.5.2026.")
    )


class ScanAssignForm(forms.Form):
    rpw = forms.RegexField(
        label=_("RPW number"),
        regex=r"^\s*(RPW/)?\d{1,9}/\d{4}\s*$",
        max_length=20,
        help_text=_("For example RPW/12/2026."),
    )
