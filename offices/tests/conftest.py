from offices.tests.catalogue_rows import _full_catalogue_rows, full_catalogue  # noqa: F401
