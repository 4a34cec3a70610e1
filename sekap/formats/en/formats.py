"""The same numeric formats as in Polish (one way of writing a date in every UI language)."""

from sekap.formats.pl.formats import (  # noqa: F401
    DATE_FORMAT,
    DATETIME_FORMAT,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
)
