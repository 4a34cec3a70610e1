from offices.tests.catalogue_rows import _full_catalogue_rows, full_catalogue  # noqa: F401
from offices.tests.office_rows import _office_rows, seeded_offices  # noqa: F401
