from .accounts import FeeAccount, FeeType
from .orders import OPEN_STATUSES, OrderStatus, PaymentOrder
from .sandbox import SandboxTransaction
from .statements import BankStatement, CreditState, MatchRule, StatementCredit
from .tariff import Exemption, FeeRule, TariffItem
from .transactions import (
    Channel,
    GatewayNotification,
    NotificationVerdict,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "BankStatement",
    "Channel",
    "CreditState",
    "Exemption",
    "FeeAccount",
    "FeeRule",
    "FeeType",
    "GatewayNotification",
    "MatchRule",
    "NotificationVerdict",
    "OrderStatus",
    "Payment",
    "PaymentOrder",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SandboxTransaction",
    "StatementCredit",
    "TariffItem",
]
