"""A per-validation work budget: canonicalisation memo, canonical-byte budget and CPU bound.

An anonymous caller controls how much work one document asks for (how many references, which
transforms, how many signatures). Three defences, all per validation:

* each distinct (node, C14N method, prefixes, excluded nodes) is canonicalised once and the
  octets are shared, so repeating a whole-document reference costs nothing extra;
* every canonicalisation is charged in bytes against ``max_bytes``; a step that would pass the
  budget is refused *before* it runs when its size is known (whole-document references), and
  the run stops after it otherwise;
* the CPU time of the current thread (``time.thread_time``) is checked between steps against
  ``max_cpu_seconds``. ``RLIMIT_CPU`` limits a whole process and would kill a threaded server;
  a step in C (one canonicalisation) cannot be interrupted, but each step is bounded by the
  document size limit, so the overrun is at most one step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from lxml import etree

from signatures.report import Indication, SubIndication

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_CPU_SECONDS = 10.0


class WorkBudgetExceeded(Exception):
    """The document asks for more work than one validation may spend."""

    indication = Indication.INDETERMINATE
    sub_indication = SubIndication.POLICY_PROCESSING_ERROR
    code = "validator.work_budget"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class WorkBudget:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_cpu_seconds: float = DEFAULT_MAX_CPU_SECONDS
    spent_bytes: int = 0
    canonicalisations: int = 0
    _started: float = field(default_factory=time.thread_time)
    # key -> (octets, the nodes of the key, kept alive so their ids stay theirs)
    _memo: dict[tuple, tuple[bytes, tuple]] = field(default_factory=dict)

    def check_cpu(self) -> None:
        used = time.thread_time() - self._started
        if used > self.max_cpu_seconds:
            raise WorkBudgetExceeded(
                f"Validation stopped after {used:.1f} s of CPU "
                f"(the limit is {self.max_cpu_seconds:g} s per document)."
            )

    def reserve(self, size: int) -> None:
        """Refuse a step whose size is known before it runs."""
        if self.spent_bytes + size > self.max_bytes:
            raise WorkBudgetExceeded(
                "The signatures ask for more canonicalisation than allowed "
                f"({self.max_bytes} bytes per document)."
            )

    def canonical(
        self,
        node: etree._Element | etree._ElementTree,
        method: str,
        *,
        inclusive_prefixes: list[str] | None,
        exclude: list[etree._Element],
        comments_allowed: bool,
        expected_size: int = 0,
        run,
    ) -> bytes:
        """Memoised ``run()``; ``expected_size`` is reserved first when known."""
        key = (
            id(node),
            method,
            tuple(inclusive_prefixes or ()),
            tuple(sorted(id(e) for e in exclude)),
            comments_allowed,
        )
        hit = self._memo.get(key)
        if hit is not None:
            return hit[0]
        self.check_cpu()
        self.reserve(expected_size)
        octets = run()
        self.canonicalisations += 1
        self.spent_bytes += len(octets)
        self._memo[key] = (octets, (node, *exclude))
        self.reserve(0)
        return octets
