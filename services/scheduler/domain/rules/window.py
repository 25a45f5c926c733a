"""A window of days, both bounds inclusive, that may be empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Window:
    """Days from ``earliest`` to ``latest`` included.

    An empty window keeps the bounds as computed (``earliest`` after
    ``latest``) so that the reader sees why it is empty: it is reported,
    never stretched.
    """

    earliest: date
    latest: date

    @property
    def is_empty(self) -> bool:
        """Whether no day fits: ``earliest`` after ``latest``."""
        return self.earliest > self.latest

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.earliest <= day <= self.latest
