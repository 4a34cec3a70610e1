"""Celery entry points: thin and idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Certificate, CertificateAuthority

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def publish_crl(*, ca_id: int) -> None:
    """Publish at once, except for a CA whose key is offline (the root): its next CRL is
    signed in the offline ceremony (``manage.py ca_root_crl``)."""
    from .keys import is_offline
    from .services.crl import crl_publish

    ca = CertificateAuthority.objects.get(pk=ca_id)
    if is_offline(ca.key_ref):
        logger.warning("CRL of %s not published: its key is offline; run ca_root_crl", ca.slug)
        return
    crl_publish(ca=ca)


@shared_task(acks_late=True)
def refresh_crls() -> int:
    """Beat: publish fresh CRLs for every CA whose CRL nears its nextUpdate."""
    from .services.crl import crl_publish, crls_due

    due = crls_due()
    for ca in due:
        crl_publish(ca=ca)
    return len(due)


@shared_task(acks_late=True)
def notify_holder(*, certificate_id: int, event: str) -> None:
    certificate = Certificate.objects.select_related("holder").get(pk=certificate_id)
    holder = certificate.holder
    if holder is None or not holder.email:
        return
    with translation.override("pl"):
        subjects = {
            "revoked": _("Your certificate has been revoked"),
            "suspended": _("Your certificate has been suspended"),
            "released": _("Your certificate is valid again"),
        }
        body = _(
            "Certificate %(name)s, serial number %(serial)s: %(event)s. Reason: %(reason)s."
        ) % {
            "name": certificate.common_name,
            "serial": certificate.serial_hex,
            "event": subjects[event],
            "reason": certificate.get_revocation_reason_display() or "-",
        }
        send_mail(subjects[event], body, None, [holder.email])


@shared_task(acks_late=True)
def presign_ocsp(*, certificate_ids: list[int]) -> int:
    """Sign and publish the OCSP responses of these certificates (issuance, status change)."""
    from .services.ocsp_presign import ocsp_presign

    return ocsp_presign(certificate_ids=certificate_ids)


@shared_task(acks_late=True)
def refresh_ocsp() -> int:
    """Beat: sign every OCSP response that is missing or near its refresh time."""
    from .services.ocsp_presign import ocsp_presign_due

    return ocsp_presign_due()
