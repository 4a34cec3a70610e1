"""A settlement of many orders (a bank statement) finds their applications in one query per
chunk, not one per order; orders that are no application's cost no query at all."""

from __future__ import annotations

import uuid

import pytest

from documents.services.fees import fees_paid_record

pytestmark = pytest.mark.django_db


def test_orders_of_no_application_cost_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        fees_paid_record(orders=[(n, f"statement-test:{n}") for n in range(500)])


def test_applications_without_a_case_are_looked_up_once_per_chunk(django_assert_num_queries):
    orders = [(n, f"submission:{uuid.uuid4()}") for n in range(300)]
    with django_assert_num_queries(1):  # none has a case yet: case_fees_attach records it later
        fees_paid_record(orders=orders)
