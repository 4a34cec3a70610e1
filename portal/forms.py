"""Portal forms: input parsing only; the rules live in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from stdnum.pl import nip as std_nip
from stdnum.pl import pesel as std_pesel
from stdnum.pl import regon as std_regon

from sekap.accounts.models import UserKind

MAX_SIGNED_BYTES = 40 * 1024 * 1024


class A11yForm(forms.Form):
    """Marks invalid inputs with aria-invalid and points them at their error and hint."""

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_errors()

    def mark_errors(self) -> None:
        for name, field in self.fields.items():
            described = []
            if field.help_text:
                described.append(f"id_{name}-hint")
            if name in self.errors:
                field.widget.attrs["aria-invalid"] = "true"
                described.append(f"id_{name}-error")
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


class RegistrationForm(A11yForm):
    kind = forms.ChoiceField(
        label=_("Kind of account"),
        choices=[
            (UserKind.CITIZEN, _("Private person")),
            (UserKind.BUSINESS, _("I act for a company")),
        ],
        initial=UserKind.CITIZEN,
        widget=forms.RadioSelect,
    )
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Surname"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 12 characters; not a common password and not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_("I have read how SEKAP processes my personal data."),
        error_messages={"required": _("Confirm that you have read the information.")},
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are different."))
        elif first:
            try:
                password_validation.validate_password(first)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class ProfileForm(A11yForm):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Surname"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    pesel = forms.CharField(
        label=_("PESEL number"),
        required=False,
        max_length=11,
        help_text=_(
            "11 digits. Needed to verify your identity and to sign with the SEKAP personal "
            "signature."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    postal_code = forms.RegexField(
        label=_("Postal code"),
        required=False,
        regex=r"^\d{2}-\d{3}$",
        error_messages={"invalid": _("Enter the postal code as 00-000.")},
        help_text=_("For example 44-100."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    post_office = forms.CharField(label=_("Post office"), required=False, max_length=100)
    city = forms.CharField(
        label=_("Town or village"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    street = forms.CharField(
        label=_("Street"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    building = forms.CharField(label=_("Building number"), required=False, max_length=20)
    unit = forms.CharField(label=_("Flat number"), required=False, max_length=20)

    def clean_pesel(self) -> str:
        value = self.cleaned_data["pesel"].replace(" ", "")
        if value and not std_pesel.is_valid(value):
            raise forms.ValidationError(_("The PESEL number is not valid: check its 11 digits."))
        return value

    def clean(self) -> dict:
        cleaned = super().clean()
        parts = ("postal_code", "city", "building")
        if any(cleaned.get(key) for key in (*parts, "street", "unit", "post_office")):
            for key in parts:
                if not cleaned.get(key) and key not in self.errors:
                    self.add_error(key, _("Enter this part of the address too."))
        return cleaned


class SignedFileForm(A11yForm):
    signed_file = forms.FileField(
        label=_("Signed XML file"),
        help_text=_("The file you signed, with the signature inside it (XAdES enveloped)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_signed_file(self) -> bytes:
        upload = self.cleaned_data["signed_file"]
        if upload.size > MAX_SIGNED_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return upload.read()


class CounterSearchForm(A11yForm):
    q = forms.CharField(
        label=_("E-mail address or PESEL number of the person"),
        max_length=254,
        help_text=_("Type the whole e-mail address or all 11 digits of the PESEL."),
    )


class CounterConfirmForm(A11yForm):
    document_kind = forms.ChoiceField(
        label=_("Identity document shown"),
        choices=[
            ("id_card", _("identity card")),
            ("passport", _("passport")),
            ("residence", _("residence card")),
        ],
    )
    document_checked = forms.BooleanField(
        label=_(
            "I compared the person with the photograph and checked that the name and PESEL in "
            "the document are the ones in the account."
        ),
        error_messages={"required": _("Confirm that you checked the identity document.")},
    )


class RepresentationForm(A11yForm):
    name = forms.CharField(label=_("Company name"), max_length=300)
    nip = forms.CharField(
        label=_("NIP"),
        max_length=13,
        help_text=_("10 digits, dashes allowed."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    regon = forms.CharField(
        label=_("REGON"),
        required=False,
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    krs = forms.RegexField(
        label=_("KRS number"),
        required=False,
        regex=r"^\d{10}$",
        error_messages={"invalid": _("A KRS number has 10 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Registered address"), required=False, max_length=300)
    scope = forms.CharField(
        label=_("Scope of the power of attorney"),
        required=False,
        max_length=300,
        help_text=_("For example: all matters before the offices, or one kind of matter."),
    )
    power_of_attorney = forms.FileField(
        label=_("Power of attorney (PDF or signed XML)"),
        help_text=_("The document that authorises you to act for the company; up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.xml"}),
    )

    def clean_nip(self) -> str:
        value = std_nip.compact(self.cleaned_data["nip"])
        if not std_nip.is_valid(value):
            raise forms.ValidationError(_("The NIP is not valid: check its digits."))
        return value

    def clean_regon(self) -> str:
        value = self.cleaned_data["regon"].replace(" ", "").replace("-", "")
        if value and not std_regon.is_valid(value):
            raise forms.ValidationError(_("The REGON is not valid: check its digits."))
        return value

    def clean_power_of_attorney(self):
        upload = self.cleaned_data["power_of_attorney"]
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("The file is too large."))
        head = upload.read(5)
        upload.seek(0)
        if not (head.startswith(b"%PDF") or head.startswith(b"<?xml") or head.startswith(b"<")):
            raise forms.ValidationError(_("Attach a PDF or an XML file."))
        return upload


class DecisionForm(A11yForm):
    note = forms.CharField(label=_("Note for the applicant"), required=False, max_length=300)
