"""The second notice of a letter waiting in the SEKAP inbox (platform rule), by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from sekap.datetimes import polish_date
from sekap.site import public_url

from ...models import Delivery, DeliveryStatus, InboxMessage
from .rules import kpa_deemed_on


def second_notice_send(*, delivery_id: int) -> bool:
    """E-mail the addressee again; False when the letter was collected meanwhile (raises
    OSError when the mail server does not answer, for the task to retry)."""
    delivery = Delivery.objects.select_related("recipient", "letter", "office").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.SECOND_NOTICE or delivery.recipient is None:
        return False
    message = InboxMessage.objects.filter(delivery=delivery).first()
    link = public_url(f"/skrzynka/{message.pk}/" if message else "/skrzynka/")
    deemed = kpa_deemed_on(first_notice_on=timezone.localdate(delivery.first_notice_at))
    with override(settings.LANGUAGE_CODE):
        subject = _("SEKAP: second notice of the letter %(title)s") % {
            "title": delivery.letter.title
        }
        body = _(
            "A letter from %(office)s is waiting for you in your SEKAP inbox. If you do not open "
            "it, it is deemed delivered on %(date)s. Open it here: %(link)s"
        ) % {"office": delivery.office.name, "date": polish_date(deemed), "link": link}
    send_mail(
        subject=subject, message=body, from_email=None, recipient_list=[delivery.recipient.email]
    )
    return True
