"""Settings of the drill's processes: the project's own, with the SEKAP CA as trust anchor (its
certificates are all the drill signs with), UPP PDFs left on a queue no drill worker reads (the
drill checks the intake, not PDF rendering) and mail kept in memory."""

from sekap.settings import *  # noqa: F403

SIGNATURES_TRUST_ANCHORS_PROVIDER = "certauth.services.seals.trust_anchors"
DOCUMENTS_PDF_QUEUE = "drill-pdf"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
