"""Polish output formats for what Django writes itself (the admin, a bare ``{{ datetime }}``):
the same ``dd.mm.rrrr gg:mm`` as the ``when``/``day`` filters. Input formats stay Django's."""

DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
