"""Correspondence and cases: the offices' electronic mailboxes (ESP), receipts, the incoming
register (RPW), cases with their signs and metryka, letters and the applicants' inboxes.

Evidence (submitted documents, receipts, sealed letters) is stored as exact bytes with their
SHA-256 and never rewritten.
"""

from .archive import (
    CaseClosure,
    CaseResult,
    DestructionProposal,
    ProposalStatus,
    TransferList,
)
from .cases import (
    CLOSED_STATES,
    CLOSED_STATUSES,
    OPEN_CASE,
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
)
from .correspondents import CaseParty, Correspondent, CorrespondentKind, PartyRole
from .deadlines import (
    CaseSuspension,
    ComplaintKind,
    DelayComplaint,
    DelayNotice,
    DelayPrompt,
    SupplementCall,
    SupplementOutcome,
    SuspensionBasis,
)
from .decisions import APPEAL_FORM, Appeal, Decision, DecisionStatus, SignatureKind
from .delivery import Delivery, DeliveryChannel, DeliveryRule, DeliveryStatus
from .esp import EspToken
from .inbox import InboxMessage, MessageKind
from .letter_templates import LetterTemplate, LetterTemplateVersion, TemplateKind
from .letters import Letter, LetterKind
from .notes import CaseNote
from .opinions import Opinion, OpinionAttachment, OpinionStatus
from .receipts import Receipt, ReceiptKind
from .register import (
    PAPER_CHANNELS,
    RegisterChannel,
    RegisterCounter,
    RegisterEntry,
    RegisterScan,
)
from .sharing import CaseUserObjectPermission
from .submissions import Channel, Stage, Submission
from .workflow import Workflow, WorkflowVersion

__all__ = [
    "APPEAL_FORM",
    "CLOSED_STATES",
    "CLOSED_STATUSES",
    "OPEN_CASE",
    "PAPER_CHANNELS",
    "Appeal",
    "Case",
    "CaseClosure",
    "CaseCounter",
    "CaseEvent",
    "CaseNote",
    "CaseParty",
    "CaseResult",
    "CaseStatus",
    "CaseSuspension",
    "CaseUserObjectPermission",
    "Channel",
    "ComplaintKind",
    "Correspondent",
    "CorrespondentKind",
    "Decision",
    "DecisionStatus",
    "DelayComplaint",
    "DelayNotice",
    "DelayPrompt",
    "Delivery",
    "DeliveryChannel",
    "DeliveryRule",
    "DeliveryStatus",
    "DestructionProposal",
    "EspToken",
    "InboxMessage",
    "Letter",
    "LetterKind",
    "LetterTemplate",
    "LetterTemplateVersion",
    "MessageKind",
    "Opinion",
    "OpinionAttachment",
    "OpinionStatus",
    "PartyRole",
    "ProposalStatus",
    "Receipt",
    "ReceiptKind",
    "RegisterChannel",
    "RegisterCounter",
    "RegisterEntry",
    "RegisterScan",
    "SignatureKind",
    "Stage",
    "Submission",
    "SupplementCall",
    "SupplementOutcome",
    "SuspensionBasis",
    "TemplateKind",
    "TransferList",
    "Workflow",
    "WorkflowVersion",
]
