"""Errors of the correspondence app: stable codes for programs, messages for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError, NotAllowed


class SubmissionError(DomainError):
    code = "submission.invalid"
    message = _("The document could not be accepted.")


class SubmissionTooLarge(SubmissionError):
    code = "submission.too_large"
    message = _("The document is too large. The limit is %(limit)s MB.")
    status = 413


class SubmissionMalformed(SubmissionError):
    code = "submission.malformed"
    message = _("The file is not a well-formed XML document we accept.")


class SubmissionNotSigned(SubmissionError):
    code = "submission.unsigned"
    message = _("The document is not signed. Sign it and send it again.")


class SubmissionWrongForm(SubmissionError):
    code = "submission.wrong_form"
    message = _(
        "The document was not made with this service's form. Download the form of this "
        "service, fill it in and sign it."
    )


class SubmissionDocumentInvalid(SubmissionError):
    code = "submission.document_invalid"
    message = _("The document does not match its form: %(detail)s")


class ServiceUnavailable(SubmissionError):
    code = "submission.service_unavailable"
    message = _("This service is not offered at the moment.")


class IdempotencyConflict(SubmissionError):
    code = "submission.idempotency_conflict"
    message = _("This request key was already used for a different document.")
    status = 409


class NotRepresentative(NotAllowed):
    code = "submission.not_representative"
    message = _("You do not hold an approved power of attorney for this company.")


class CaseActionRefused(DomainError):
    code = "case.refused"
    message = _("This action is not possible for this case.")


class NotFound(DomainError):
    code = "not_found"
    message = _("Not found.")
    status = 404


class EspRoleRequired(NotAllowed):
    code = "esp.role_required"
    message = _(
        "Only the office's registry clerks and its machine tokens may pull documents from the "
        "office's mailbox."
    )


class EspSecondFactorRequired(NotAllowed):
    code = "esp.second_factor_required"
    message = _(
        "Confirm your login with the second factor before pulling documents, or let your "
        "document system use a machine token."
    )


class EspDigestMismatch(DomainError):
    code = "esp.digest_mismatch"
    message = _("The SHA-256 given does not match the document with this id.")
    status = 409


class AssignmentRefused(DomainError):
    code = "case.assignment_refused"
    message = _(
        "Only the head of the case's department, or the office's registry or head, may assign "
        "the case, and only to a clerk who works in the office."
    )


class DeliveryRefused(DomainError):
    code = "delivery.refused"
    message = _("This step is not possible for this delivery in its present state.")
    status = 409


class DeliveryUnavailable(DomainError):
    """The delivery channel (the e-Doręczenia service) did not answer: try again later."""

    code = "delivery.unavailable"
    message = _("The delivery service is not available at the moment. The letter will be sent "
                "again automatically.")  # fmt: skip
    status = 503


class LetterNotReleased(NotAllowed):
    code = "delivery.not_released"
    message = _("Open the letter first: opening it is recorded as its receipt.")


class CorrespondentInvalid(DomainError):
    code = "correspondent.invalid"
    message = _("The correspondent's details are not valid.")


class RegisterRefused(DomainError):
    code = "register.refused"
    message = _("This is not possible for this register entry.")


class TransitionRefused(CaseActionRefused):
    """A workflow step refused by ``case_transition`` (nothing was changed)."""

    code = "case.transition_refused"


class TransitionUnknown(TransitionRefused):
    code = "case.transition_unknown"
    message = _("This step is not part of the case's workflow.")


class TransitionNotFromState(TransitionRefused):
    code = "case.transition_not_from_state"
    message = _("This step is not possible while the case is: %(state)s.")

    def __init__(self, *, state: str) -> None:
        super().__init__(str(self.message) % {"state": state})


class TransitionRoleRequired(TransitionRefused):
    code = "case.transition_role_required"
    message = _("This step may be taken only by: %(roles)s.")
    status = 403

    def __init__(self, *, roles: tuple[str, ...], names: str) -> None:
        self.roles = roles
        super().__init__(str(self.message) % {"roles": names})


class TransitionRequirementMissing(TransitionRefused):
    code = "case.transition_requirement_missing"
    message = _("This step needs first: %(missing)s.")

    def __init__(self, *, missing: list[str], names: str) -> None:
        self.missing = missing
        super().__init__(str(self.message) % {"missing": names})


class TemplateInvalid(DomainError):
    code = "template.invalid"
    message = _("The template cannot be saved.")


class DecisionRefused(CaseActionRefused):
    code = "decision.refused"
    message = _("This is not possible for the decision now.")


class SignatureRefused(DecisionRefused):
    """A decision signed with the official's own certificate that is not accepted."""

    code = "decision.signature_refused"
    message = _("The signed decision was not accepted.")


class ShareRefused(DomainError):
    code = "case.share_refused"
    message = _(
        "Only the clerk handling the case or the head of its department may share it, and only "
        "with a member of staff of the same office."
    )


class OpinionRefused(DomainError):
    code = "case.opinion_refused"
    message = _("The opinion could not be recorded.")
