"""Delivery of official letters with legal effect (issue 11, item 4; REFERENCE §2).

Public surface:

* ``letter_dispatch(*, letter, actor)``: one delivery per addressee on its channel;
* ``delivery_sweep(*, now=None)``: the beat task's body (second notices, deemed deliveries,
  e-Doręczenia evidence);
* ``delivery_record_collection(...)``, ``paper_receipt_record(...)``: a collection, the post's
  return receipt;
* ``letter_release(*, user, message)``: the one path that releases a letter's content to a
  recipient, recording the receipt first;
* ``delivery_transition(...)``: the state machine's one transition function;
* ``edoreczenia_sync(*, delivery_id)``: the retried task's body (send, then read the evidence).

The delivery date (the start of every deadline that runs from delivery) is the selector
``documents.selectors.delivery_date``.
"""

from .collection import (
    delivery_record_collection,
    letter_release,
    paper_receipt_record,
)
from .dispatch import Addressee, addressees_of, delivery_notes, letter_dispatch
from .electronic import edoreczenia_sync
from .states import delivery_transition
from .sweep import delivery_sweep

__all__ = [
    "Addressee",
    "addressees_of",
    "delivery_notes",
    "delivery_record_collection",
    "delivery_sweep",
    "delivery_transition",
    "edoreczenia_sync",
    "letter_dispatch",
    "letter_release",
    "paper_receipt_record",
]
