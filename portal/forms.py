"""Portal forms: input parsing only; the rules live in services."""

from __future__ import annotations

import iso3166
from django import forms
from django.contrib.auth import password_validation
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from stdnum.pl import nip as std_nip
from stdnum.pl import pesel as std_pesel
from stdnum.pl import regon as std_regon

from sekap import antivirus
from sekap.accounts.models import IdentityDocumentKind, UserKind
from sekap.accounts.services import IdentityDocument

MAX_SIGNED_BYTES = 40 * 1024 * 1024


class RegistrationForm(forms.Form):
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].help_text = format_html(
            '<a href="{}">{}</a>',
            reverse("portal_privacy"),
            _("Information on the processing of personal data"),
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


class ConfirmEmailForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("The password you chose when you registered."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ResendConfirmationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class ProfileForm(forms.Form):
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


class SignedFileForm(forms.Form):
    signed_file = forms.FileField(
        label=_("Signed XML file"),
        help_text=_("The file you signed, with the signature inside it (XAdES enveloped)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_signed_file(self) -> bytes:
        upload = self.cleaned_data["signed_file"]
        if upload.size > MAX_SIGNED_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        data = upload.read()
        _scan(data, upload.name)
        return data


def _scan(content: bytes, name: str) -> None:
    """Refuse an upload that ClamAV flags, or cannot check while scanning is on."""
    try:
        antivirus.scan(content=content, name=name or "")
    except antivirus.AntivirusRefusal as refusal:
        raise forms.ValidationError(str(refusal.message)) from None


class CounterSearchForm(forms.Form):
    q = forms.CharField(
        label=_("E-mail address or PESEL number of the person"),
        max_length=254,
        help_text=_(
            "Type the whole e-mail address or the 11 digits of the PESEL from the identity "
            "document (spaces are ignored)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_q(self) -> str:
        value = self.cleaned_data["q"].strip()
        compact = value.replace(" ", "").replace("-", "")
        if "@" not in value:
            if not compact.isdigit() or len(compact) != 11:
                raise forms.ValidationError(
                    _("Type the whole e-mail address or all 11 digits of the PESEL.")
                )
            if not std_pesel.is_valid(compact):
                raise forms.ValidationError(
                    _("The PESEL number is not valid: check its 11 digits.")
                )
            return compact
        return value


class CounterConfirmForm(forms.Form):
    """What the clerk reads from the identity document and confirms about the account."""

    account_confirmed = forms.BooleanField(
        label=_("The person gave me this account's e-mail address and says the name is theirs."),
        error_messages={
            "required": _(
                "Confirm that the person gave you the account's e-mail address and that the "
                "name is theirs."
            )
        },
    )
    document_kind = forms.ChoiceField(
        label=_("Identity document shown"), choices=IdentityDocumentKind.choices
    )
    pesel = forms.CharField(
        label=_("PESEL number from the document"),
        required=False,
        max_length=13,
        help_text=_(
            "11 digits, as printed in the document. Leave empty only if the person has no PESEL "
            "(for example a foreigner with a residence card or a passport)."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    document_number = forms.CharField(
        label=_("Document number"),
        required=False,
        max_length=32,
        help_text=_("Without a PESEL: the series and number of the document."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("Without a PESEL: as in the document, for example 1990-05-14."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    nationality = forms.CharField(
        label=_("Nationality"),
        required=False,
        max_length=3,
        help_text=_("Without a PESEL: the country code printed in the document, for example UKR."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": "4"}),
    )
    document_checked = forms.BooleanField(
        label=_(
            "I compared the person with the photograph and checked that the name in the "
            "document is the one in the account."
        ),
        error_messages={"required": _("Confirm that you checked the identity document.")},
    )

    def __init__(self, *args, person=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if person is not None:
            self.fields["account_confirmed"].label = _(
                "The person gave me the e-mail address %(email)s and says that the name "
                "%(name)s is theirs."
            ) % {"email": person.email, "name": person.get_full_name() or "—"}

    def clean_pesel(self) -> str:
        value = self.cleaned_data["pesel"].replace(" ", "")
        if value and not std_pesel.is_valid(value):
            raise forms.ValidationError(_("The PESEL number is not valid: check its 11 digits."))
        return value

    def clean_nationality(self) -> str:
        value = self.cleaned_data["nationality"].strip().upper()
        if not value:
            return ""
        try:
            return iso3166.countries.get(value).alpha3
        except KeyError as exc:
            raise forms.ValidationError(
                _("Enter the country code as printed in the document, for example UKR or DEU.")
            ) from exc

    def clean(self) -> dict:
        cleaned = super().clean()
        if "pesel" in self.errors or cleaned.get("pesel"):
            return cleaned
        for name in ("document_number", "birth_date", "nationality"):
            if not cleaned.get(name) and name not in self.errors:
                self.add_error(name, _("Without a PESEL number enter this from the document."))
        return cleaned

    def identity_document(self) -> IdentityDocument:
        data = self.cleaned_data
        return IdentityDocument(
            kind=data["document_kind"],
            pesel=data["pesel"],
            number="" if data["pesel"] else data["document_number"],
            birth_date=None if data["pesel"] else data["birth_date"],
            nationality="" if data["pesel"] else data["nationality"],
        )


class RepresentationForm(forms.Form):
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
        _scan(upload.read(), upload.name)
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if not (head.startswith(b"%PDF") or head.startswith(b"<?xml") or head.startswith(b"<")):
            raise forms.ValidationError(_("Attach a PDF or an XML file."))
        return upload


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("Note for the applicant"), required=False, max_length=300)
