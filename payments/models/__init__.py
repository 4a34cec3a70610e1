from .accounts import FeeAccount, FeeType
from .orders import OrderStatus, PaymentOrder
from .sandbox import SandboxTransaction
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
    "Channel",
    "Exemption",
    "FeeAccount",
    "FeeRule",
    "FeeType",
    "GatewayNotification",
    "NotificationVerdict",
    "OrderStatus",
    "Payment",
    "PaymentOrder",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SandboxTransaction",
    "TariffItem",
]
