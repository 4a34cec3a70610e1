from django import forms
from django.utils.translation import gettext_lazy as _


class LinkAccountForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of your account"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password of your account"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CreateAccountForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("We write to this address when something happens in your matters."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_("I have read how SEKAP processes my personal data."),
        error_messages={"required": _("Confirm that you have read the information.")},
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


LOA_CHOICES = [
    ("substantial", _("substantial (for example mObywatel, a bank)")),
    ("high", _("high (for example e-dowód)")),
]


class FakeNodeLoginForm(forms.Form):
    person = forms.ChoiceField(label=_("Test person"), widget=forms.RadioSelect)
    loa = forms.ChoiceField(
        label=_("Level of assurance"), choices=LOA_CHOICES, initial="substantial"
    )

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pesel, p.label) for p in people]
