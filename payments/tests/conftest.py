from payments.tests.fixtures import other_payer, payer, seeded  # noqa: F401
