from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User, UserKind


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": _(
            "The e-mail address or password is wrong. Check both and try again; "
            "after several failed attempts the account is locked for a while."
        ),
        "inactive": _("This account is inactive."),
        "unconfirmed": _(
            "Your account is not active yet: confirm your e-mail address with the link we sent "
            "you when you registered. If the message has not arrived, we can send the link again."
        ),
    }

    def clean(self) -> dict:
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if exc.code == "invalid_login" and self._unconfirmed_with_right_password():
                raise forms.ValidationError(
                    self.error_messages["unconfirmed"], code="unconfirmed"
                ) from exc
            raise

    def _unconfirmed_with_right_password(self) -> bool:
        """A registered account waiting for its e-mail confirmation, and the right password.

        Only someone who knows the account's password learns that it waits for confirmation,
        so this reveals no more than the registration page does (which reveals nothing).
        """
        if getattr(self.request, "axes_locked_out", False):
            return False
        email, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not email or not password:
            return False
        user = User.objects.filter(
            email__iexact=email,
            is_active=False,
            last_login__isnull=True,
            kind__in=[UserKind.CITIZEN, UserKind.BUSINESS],
        ).first()
        return user is not None and user.check_password(password)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code consists of digits only."))
        return token
