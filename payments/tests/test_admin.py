"""CPD administrators edit the tariff in the admin (audited); orders are read-only records;
other staff do not see the payments admin."""

from __future__ import annotations

import datetime as dt

import pytest

from payments.models import FeeType, TariffItem
from sekap.accounts.tests.factories import StaffFactory, login_with_second_factor
from sekap.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_tariff_change_in_the_admin_is_audited(client):
    item = TariffItem.objects.create(
        code="II.21",
        fee_type=FeeType.STAMP_DUTY,
        subject="zaświadczenie",
        legal_basis="załącznik cz. II ust. 21",
        amount_grosze=1700,
        valid_from=dt.date(2007, 1, 1),
    )
    admin = StaffFactory(is_staff=True, is_superuser=True)
    login_with_second_factor(client, admin)
    url = f"/admin/payments/tariffitem/{item.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "code": "II.21",
            "fee_type": "stamp_duty",
            "subject": "zaświadczenie",
            "legal_basis": "załącznik cz. II ust. 21",
            "amount_grosze": "1800",
            "valid_from": "2007-01-01",
            "valid_to": "",
            "source": "test",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.amount_grosze == 1800
    entry = AuditEntry.objects.get(action="payments.tariffitem_changed")
    assert entry.actor_id == admin.pk and entry.after["amount_grosze"] == "1800"
    assert client.get("/admin/payments/paymentorder/").status_code == 200
    assert client.get("/admin/payments/paymentorder/add/").status_code == 403


def test_other_staff_do_not_see_the_payments_admin(client):
    clerk = StaffFactory(is_staff=True)
    login_with_second_factor(client, clerk)
    assert client.get("/admin/payments/tariffitem/").status_code in (302, 403)
