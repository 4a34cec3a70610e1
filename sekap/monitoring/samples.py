"""The row a monitoring source returns: one value of one gauge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Sample:
    metric: str
    help: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)
    kind: Literal["gauge", "counter"] = "gauge"
