"""Sending an official letter: one delivery per addressee, on the channel the law picks.

Per addressee (REFERENCE §2, §2.3): an electronic delivery address (ADE, in the national
address base) -> e-Doręczenia; else, if they asked to be served through the platform -> the
platform's own delivery under the old ePUAP rule; else -> paper post. The SEKAP inbox of an
addressee with an account always gets a copy of the letter and a notice by e-mail, whatever the
channel; the notice says which delivery rule applies.

The e-Doręczenia call happens after commit, in the retried task ``documents.tasks.delivery_send``
(the row stays due, so the beat sweep sends it again if the broker was down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ...errors import DeliveryRefused
from ...models import (
    CaseParty,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    InboxMessage,
    Letter,
    LetterKind,
    MessageKind,
    PartyRole,
)
from .rules import second_notice_on, start_of
from .states import delivery_transition


@dataclass(frozen=True)
class Addressee:
    name: str
    user: object | None = None  # the SEKAP account that reaches them, if any
    company: object | None = None
    ade: str = ""
    postal_address: str = ""
    served_via_platform: bool = False
    party: object | None = None  # the CaseParty the letter is delivered to

    @property
    def channel(self) -> str:
        if self.ade:
            return DeliveryChannel.EDORECZENIA
        if self.served_via_platform and self.user is not None:
            return DeliveryChannel.PLATFORM
        return DeliveryChannel.PAPER


def _applicant_only(letter: Letter) -> list[Addressee]:
    user = letter.case.applicant
    if user is None:
        return []
    return [
        Addressee(
            name=user.get_full_name() or user.email,
            user=user,
            company=letter.case.company,
            postal_address=getattr(user, "address", "") or "",
            served_via_platform=True,
        )
    ]


def addressees_of(letter: Letter, *, parties: Sequence[CaseParty] | None = None) -> list[Addressee]:
    """Who the letter goes to: each party of the case (applicant, party, participant), or its
    representative with a power of attorney when it has one (KPA art. 40 § 2); ``parties``
    narrows it to some of them. A party needs no SEKAP account: without one it is served on
    paper or at its e-Doręczenia address. A case without recorded parties goes to its applicant's
    account, served through the platform."""
    every = list(
        CaseParty.objects.filter(case_id=letter.case_id)
        .select_related("correspondent", "correspondent__account", "correspondent__company")
        .order_by("pk")
    )
    if not every:
        return _applicant_only(letter)
    chosen = None if parties is None else {p.pk for p in parties}
    if chosen is not None and not chosen <= {p.pk for p in every}:
        raise DeliveryRefused()  # a party of another case
    representative = {
        p.represents_id: p for p in every if p.role == PartyRole.REPRESENTATIVE and p.represents_id
    }
    addressees = []
    for party in every:
        if party.role == PartyRole.REPRESENTATIVE or (
            chosen is not None and party.pk not in chosen
        ):
            continue
        target = representative.get(party.pk, party)
        who = target.correspondent
        user = who.account
        if user is None and who.company_id and who.company_id == letter.case.company_id:
            # a company is reached through the account that files for it (its inbox copy is
            # shared with every representative of the company)
            user = letter.case.applicant
        addressees.append(
            Addressee(
                name=who.display_name or "brak danych",
                user=user,
                company=who.company,
                ade=who.ade,
                postal_address=who.address,
                served_via_platform=target.served_via_platform,
                party=target,
            )
        )
    return addressees


# The sentence the sealed letter and its inbox copy carry for each channel (Polish, of record).
CHANNEL_NOTES = {
    DeliveryChannel.PLATFORM: (
        "Pismo doręcza się przez platformę SEKAP: jest doręczone z chwilą otwarcia, co "
        "potwierdza UPD, a nieotwarte – po upływie 14 dni od pierwszego zawiadomienia (zasady "
        "doręczeń ePUAP, dawny art. 46 § 4 KPA)."
    ),
    DeliveryChannel.EDORECZENIA: (
        "Pismo doręcza się na adres do doręczeń elektronicznych {ade}: jest doręczone z chwilą "
        "odebrania, a nieodebrane – w dniu następującym po upływie 14 dni od dnia wpłynięcia "
        "(art. 42 ustawy o doręczeniach elektronicznych). Kopia w SEKAP ma charakter "
        "informacyjny."
    ),
    DeliveryChannel.PAPER: (
        "Pismo doręcza się przez operatora pocztowego na adres {address}: jest doręczone z "
        "chwilą odbioru, a niepodjęte – z upływem 14 dni od pierwszego zawiadomienia (art. 44 "
        "KPA). Kopia w SEKAP ma charakter informacyjny."
    ),
}


def delivery_note(addressee: Addressee) -> str:
    return CHANNEL_NOTES[addressee.channel].format(
        ade=addressee.ade, address=addressee.postal_address or "brak danych"
    )


def delivery_notes(
    *, letter: Letter, addressees: Sequence[Addressee] | None = None
) -> tuple[str, ...]:
    """What the letter says about its delivery, one sentence per addressee, known before the
    letter is sealed (the channel follows from the addressee's data)."""
    if addressees is None:
        addressees = addressees_of(letter)
    if len(addressees) == 1:
        return (delivery_note(addressees[0]),)
    return tuple(f"{a.name}: {delivery_note(a)}" for a in addressees)


_MESSAGE_KIND = {
    LetterKind.LETTER: MessageKind.LETTER,
    LetterKind.DECISION: MessageKind.DECISION,
    LetterKind.CALL_TO_SUPPLEMENT: MessageKind.CALL_TO_SUPPLEMENT,
}


def _inbox_copy(*, letter: Letter, delivery: Delivery, addressee: Addressee, now) -> InboxMessage:
    """The addressee's own copy in their SEKAP inbox (or their company's), tied to their
    delivery: it is what they open, and what records their receipt."""
    return InboxMessage.objects.create(
        recipient=addressee.user,
        company=addressee.company,
        kind=_MESSAGE_KIND.get(letter.kind, MessageKind.LETTER),
        title=letter.title,
        body=delivery_note(addressee),
        office_id=letter.case.office_id,
        case=letter.case,
        letter=letter,
        delivery=delivery,
        created_at=now,
        email_due_at=now if addressee.user.email else None,
    )


@transaction.atomic
def letter_dispatch(
    *, letter: Letter, actor, addressees: Sequence[Addressee] | None = None
) -> list[Delivery]:
    """Create the deliveries of a sealed letter, one per addressee (default: every party of the
    case, ``addressees_of``), and start each on its channel (in the caller's transaction;
    network work after commit). Dispatching a letter twice returns its deliveries. A letter
    without any addressee is refused."""
    letter = Letter.objects.select_for_update().select_related("case").get(pk=letter.pk)
    existing = list(letter.deliveries.order_by("pk"))
    if existing:
        return existing
    if addressees is None:
        addressees = addressees_of(letter)
    if not addressees:
        raise DeliveryRefused()
    now = timezone.now()
    deliveries = []
    for addressee in addressees:
        delivery = Delivery.objects.create(
            letter=letter,
            office_id=letter.case.office_id,
            party=addressee.party,
            recipient=addressee.user,
            company=addressee.company,
            recipient_name=addressee.name[:300],
            postal_address=addressee.postal_address[:300],
            ade=addressee.ade,
            channel=addressee.channel,
            created_at=now,
            due_at=now if addressee.channel == DeliveryChannel.EDORECZENIA else None,
        )
        if delivery.channel == DeliveryChannel.PLATFORM:
            today = timezone.localdate(now)
            delivery = delivery_transition(
                delivery=delivery,
                to=DeliveryStatus.AVAILABLE,
                actor=actor,
                dispatched_at=now,
                arrived_at=now,
                first_notice_at=now,
                due_at=start_of(second_notice_on(first_notice_on=today)),
            )
        elif delivery.channel == DeliveryChannel.PAPER:
            # entered in the outgoing book today; the post's receipt or return closes it
            delivery = delivery_transition(
                delivery=delivery, to=DeliveryStatus.SENT, actor=actor, dispatched_at=now
            )
        else:
            transaction.on_commit(lambda pk=delivery.pk: _send_later(pk))
        if addressee.user is not None:
            message = _inbox_copy(letter=letter, delivery=delivery, addressee=addressee, now=now)
            transaction.on_commit(lambda pk=message.pk: _notice(pk))
        deliveries.append(delivery)
    return deliveries


def _send_later(delivery_id: int) -> None:
    from ...dispatch import dispatch_delivery_send

    dispatch_delivery_send(delivery_id)


def _notice(message_id: int) -> None:
    from ..mail import inbox_email_now

    inbox_email_now(message_id)


__all__ = ["Addressee", "addressees_of", "delivery_note", "delivery_notes", "letter_dispatch"]
