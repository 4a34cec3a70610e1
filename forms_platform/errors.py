"""Errors of the form repository, each with a stable code and a translated message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError


class FormsError(DomainError):
    code = "forms.error"


class FormVersionFrozen(FormsError):
    code = "forms.version_frozen"
    status = 409
    message = _(
        "This form version is published and can no longer be changed. "
        "Create a new draft version to make changes."
    )


class DefinitionInvalid(FormsError):
    code = "forms.definition_invalid"
    status = 422
    message = _("The form definition has problems that must be fixed before publishing.")

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__()


class FormDataInvalid(FormsError):
    code = "forms.data_invalid"
    status = 422
    message = _("The form contains errors.")

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__()


class DocumentInvalid(FormsError):
    code = "forms.document_invalid"
    status = 422
    message = _("The document is not a valid document of a known form version.")

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__()


class ArchiveInvalid(FormsError):
    code = "forms.archive_invalid"
    message = _("The file is not a valid form archive.")

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        super().__init__()


class TemplateExists(FormsError):
    code = "forms.template_exists"
    status = 409
    message = _("A form template with this slug already exists.")


class DraftExists(FormsError):
    code = "forms.draft_exists"
    status = 409
    message = _("This template already has a draft version; edit that one.")


class DesignerError(FormsError):
    code = "forms.designer"
