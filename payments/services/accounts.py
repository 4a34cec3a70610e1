"""Fee accounts and virtual account numbers (NRB with ISO 7064 mod 97-10 check digits)."""

from __future__ import annotations

from stdnum import iban as stdnum_iban

from offices.models import Office

from ..errors import NoFeeAccount
from ..models import FeeAccount

SORT_CODE_WEIGHTS = (3, 9, 7, 1, 3, 9, 7)


def sort_code_check_digit(first_seven: str) -> str:
    """The eighth digit of a Polish bank sort code (numer rozliczeniowy)."""
    total = sum(int(d) * w for d, w in zip(first_seven, SORT_CODE_WEIGHTS, strict=True))
    return str((10 - total % 10) % 10)


def nrb(*, sort_code: str, account_digits: str) -> str:
    """``PL`` + check digits + 8-digit sort code + 16 account digits, validated by stdnum."""
    if len(sort_code) != 8 or len(account_digits) != 16:
        raise ValueError("a Polish account is an 8-digit sort code and 16 digits")
    bban = sort_code + account_digits
    number = "PL" + stdnum_iban.calc_check_digits("PL00" + bban) + bban
    return stdnum_iban.validate(number)


def virtual_account(*, account: FeeAccount, number: int) -> str:
    """The order's own account: the bank's sort code, the holder's collection prefix and the
    order number, so a transfer to it names the order by itself."""
    prefix = account.collection_prefix
    width = 16 - len(prefix)
    if number < 0 or number >= 10**width:
        raise ValueError("the order number does not fit the virtual account")
    return nrb(sort_code=account.sort_code, account_digits=prefix + str(number).zfill(width))


def fee_account_for(*, office: Office, fee_type: str) -> FeeAccount:
    try:
        return FeeAccount.objects.get(office=office, fee_type=fee_type)
    except FeeAccount.DoesNotExist as exc:
        raise NoFeeAccount() from exc
