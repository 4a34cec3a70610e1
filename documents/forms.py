from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LetterKind


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of letter"), choices=LetterKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 8}))
    supplement_due = forms.DateField(
        label=_("Supplement due (for a call to supplement)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("At least 7 days from today (art. 64 § 2 KPA)."),
    )

    def clean(self):
        data = super().clean()
        due = data.get("supplement_due")
        if data.get("kind") == LetterKind.CALL_TO_SUPPLEMENT:
            if due is None:
                self.add_error("supplement_due", _("Give the date by which to supplement."))
            elif due < timezone.localdate() + dt.timedelta(days=7):
                self.add_error("supplement_due", _("Give at least 7 days."))
        return data
