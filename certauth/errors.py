from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sekap.errors import DomainError, NotAllowed


class CertauthError(DomainError):
    code = "certauth.error"
    message = _("The certificate operation could not be completed.")


class CaNotInitialised(CertauthError):
    code = "certauth.not_initialised"
    message = _("The certificate authority has not been set up yet.")


class BadCsr(CertauthError):
    code = "certauth.bad_csr"
    message = _("The certificate request (CSR) could not be read or its signature is invalid.")


class KeyNotAllowed(CertauthError):
    code = "certauth.key_not_allowed"
    message = _(
        "This kind of key is not allowed for this certificate. Use RSA of at least 2048 bits "
        "or EC P-256/P-384."
    )


class NotVerified(CertauthError):
    code = "certauth.identity_not_verified"
    message = _("Your identity must be verified at an office before you can request a certificate.")


class PendingExists(CertauthError):
    code = "certauth.pending_exists"
    message = _("You already have a request waiting for approval.")


class WrongState(CertauthError):
    code = "certauth.wrong_state"
    message = _("This action is not possible in the current state.")


class ApprovalNotAllowed(NotAllowed):
    code = "certauth.approval_not_allowed"
    message = _("You may not approve this request.")


class OwnRequest(NotAllowed):
    code = "certauth.own_request"
    message = _("A request must be approved by someone other than its requester or holder.")


class OutOfScope(ApprovalNotAllowed):
    code = "certauth.out_of_scope"
    message = _(
        "This certificate was not enrolled through your office. Only the operators of the "
        "office that enrolled its holder, or a CPD administrator, may change its status."
    )


class SecondPersonRequired(NotAllowed):
    code = "certauth.second_person_required"
    message = _(
        "A change to this certificate's status takes effect only when a second person "
        "approves it. File a revocation request instead."
    )


class OwnRevocationRequest(NotAllowed):
    code = "certauth.own_revocation_request"
    message = _(
        "A revocation request must be approved by someone other than the person who filed it."
    )


class RevocationPending(CertauthError):
    code = "certauth.revocation_pending"
    message = _("A request to change this certificate's status is already waiting for approval.")
