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
from .cases import Case, CaseCounter, CaseEvent, CaseStatus
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
from .delivery import Delivery, DeliveryChannel, DeliveryRule, DeliveryStatus
from .esp import EspToken
from .inbox import InboxMessage, MessageKind
from .letters import Letter, LetterKind
from .notes import CaseNote
from .receipts import Receipt, ReceiptKind
from .register import RegisterCounter, RegisterEntry
from .sharing import CaseUserObjectPermission
from .submissions import Channel, Stage, Submission

__all__ = [
    "Case",
    "CaseClosure",
    "CaseCounter",
    "CaseEvent",
    "CaseNote",
    "CaseResult",
    "CaseStatus",
    "CaseSuspension",
    "CaseUserObjectPermission",
    "Channel",
    "ComplaintKind",
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
    "MessageKind",
    "ProposalStatus",
    "Receipt",
    "ReceiptKind",
    "RegisterCounter",
    "RegisterEntry",
    "Stage",
    "Submission",
    "SupplementCall",
    "SupplementOutcome",
    "SuspensionBasis",
    "TransferList",
]
