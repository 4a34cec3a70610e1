"""Books of a test office for the statement tests: two fee accounts (those of the statement
files in ``statement_files/``), payers and payment orders with chosen virtual accounts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from offices.tests.factories import OfficeFactory
from payments.models import (
    BankStatement,
    FeeAccount,
    FeeType,
    OrderStatus,
    Payment,
    PaymentOrder,
    Refund,
    StatementCredit,
)
from payments.services.accounts import virtual_account
from sekap.accounts.tests.factories import VerifiedCitizenFactory
from sekap.audit.models import AuditEntry

PKO_ACCOUNT = "50102024010000123400001234"
MBANK_ACCOUNT = "64114020040040000123456789"
_numbers = itertools.count(900)


class Books:
    def __init__(self) -> None:
        self.office = OfficeFactory(terc="2466011", name="Urząd Miejski w Gliwicach")
        self.pko = FeeAccount.objects.create(
            office=self.office,
            fee_type=FeeType.STAMP_DUTY,
            holder="Miasto Gliwice",
            iban=f"PL{PKO_ACCOUNT}",
            collection_prefix="4201",
        )
        self.mbank = FeeAccount.objects.create(
            office=self.office,
            fee_type=FeeType.OFFICE_FEE,
            holder="Urząd Miejski w Gliwicach",
            iban=f"PL{MBANK_ACCOUNT}",
            collection_prefix="77",
        )
        self.default_payer = VerifiedCitizenFactory()

    def payer(self, **names):
        return VerifiedCitizenFactory(**names)

    def order(
        self,
        *,
        amount: int,
        account: FeeAccount | None = None,
        virtual_account_number: str = "",
        virtual_account: str = "",
        case_sign: str = "",
        payer=None,
        status: str = OrderStatus.NEW,
    ) -> PaymentOrder:
        account = account or self.pko
        number = next(_numbers)
        return PaymentOrder.objects.create(
            idempotency_key=f"test-{number}",
            office=account.office,
            account=account,
            fee_type=account.fee_type,
            payer=payer or self.default_payer,
            subject_ref=f"test:{number}",
            case_sign=case_sign,
            title=f"Opłata – test, {case_sign}"[:140],
            amount_grosze=amount,
            due_on=dt.date(2026, 12, 4),
            status=status,
            virtual_account=virtual_account or _virtual(account, number),
        )

    @staticmethod
    def audit_actions() -> list[str]:
        return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def _virtual(account: FeeAccount, number: int) -> str:
    return virtual_account(account=account, number=number)


def snapshot() -> dict:
    """What an import may change, to compare before and after."""
    return {
        "statements": list(BankStatement.objects.values_list("pk", "sha256")),
        "credits": list(StatementCredit.objects.values_list("pk", "state", "order_id")),
        "payments": list(Payment.objects.values_list("pk", "order_id", "amount_grosze")),
        "refunds": list(Refund.objects.values_list("pk", "amount_grosze", "status")),
        "orders": list(PaymentOrder.objects.values_list("pk", "status").order_by("pk")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture
def books(db) -> Books:
    return Books()
