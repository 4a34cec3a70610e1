from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RevocationReason
from .services.revocation import HOLDER_REASONS

MAX_CSR = 16 * 1024


class CsrForm(forms.Form):
    csr = forms.CharField(
        label=_("Certificate request (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("Paste a CSR made with the sekap-sign program or openssl, or upload a file."),
    )
    csr_file = forms.FileField(label=_("or a CSR file (PEM or DER)"), required=False)
    origin = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("csr_file")
        if upload:
            if upload.size > MAX_CSR:
                raise forms.ValidationError(_("The file is too large for a CSR."))
            data["csr_bytes"] = upload.read()
        elif data.get("csr", "").strip():
            data["csr_bytes"] = data["csr"].strip().encode()
        else:
            raise forms.ValidationError(_("Give a certificate request: paste it or upload a file."))
        return data


class StaffRequestForm(CsrForm):
    kind = forms.ChoiceField(
        label=_("Certificate"),
        choices=[
            ("clerk-signing", _("My clerk signing certificate")),
            ("office-seal", _("Office seal")),
        ],
    )
    office_terc = forms.ChoiceField(label=_("Office (for a seal)"), required=False)

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office_terc"].choices = [("", "–")] + [(o.terc, o.name) for o in offices]


class HolderRevokeForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, r.label) for r in HOLDER_REASONS],
    )


class OperatorRevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RevocationReason.choices)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=500)


class SerialSearchForm(forms.Form):
    serial = forms.CharField(label=_("Serial number (hexadecimal)"), max_length=64)
