from payments.tests.fixtures import other_payer, payer, seeded  # noqa: F401
from payments.tests.statements_setup import books  # noqa: F401
