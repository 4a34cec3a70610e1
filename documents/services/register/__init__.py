"""The office's register of correspondence: correspondents and case parties, RPW numbers for
every channel, paper items with their labels and scans.

Public: ``correspondent_find_or_create``, ``correspondent_for_account``, ``case_party_add``,
``rpw_allocate``; the paper desk's ``paper_register``, ``scan_upload``, ``scan_assign``,
``entry_case_open``, ``entry_case_join``; ``scans_recheck`` (stored scans clamd never saw).
Reads are in ``documents.selectors.register``.
"""

from .correspondents import (
    CorrespondentDetails,
    correspondent_find_or_create,
    correspondent_for_account,
)
from .numbers import rpw_allocate
from .paper import entry_case_join, entry_case_open, paper_register
from .parties import case_party_add
from .scans import RecheckCounts, scan_assign, scan_recheck, scan_upload, scans_recheck

__all__ = [
    "CorrespondentDetails",
    "RecheckCounts",
    "case_party_add",
    "correspondent_find_or_create",
    "correspondent_for_account",
    "entry_case_join",
    "entry_case_open",
    "paper_register",
    "rpw_allocate",
    "scan_assign",
    "scan_recheck",
    "scan_upload",
    "scans_recheck",
]
