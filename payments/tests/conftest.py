from payments.tests.fixtures import _seeded_rows, other_payer, payer, seeded  # noqa: F401
from payments.tests.statements_setup import books  # noqa: F401
