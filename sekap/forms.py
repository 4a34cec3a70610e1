"""Form helpers shared by the apps' pages."""

from __future__ import annotations

from django import forms


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
