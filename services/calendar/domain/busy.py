"""Busy periods of a planner, from Relais and from their own calendar."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


class Source(enum.StrEnum):
    RELAIS = "relais"
    CALDAV = "caldav"


@dataclass(frozen=True, order=True)
class BusyPeriod:
    """A stretch of time the planner is not free."""

    start: datetime
    end: datetime
    source: Source


def merge(relais: Iterable[BusyPeriod], caldav: Iterable[BusyPeriod],
          relais_uids: set[str], caldav_uids: Iterable[str | None]) -> list[BusyPeriod]:
    """Both lists in time order, without the CalDAV copies of Relais's own events.

    Relais pushes its events into the planner's CalDAV calendar; those come back
    from a CalDAV search and would be counted twice.

    :param caldav_uids: the UID of each CalDAV period, in the same order.
    """
    kept = [p for p, uid in zip(caldav, caldav_uids, strict=True) if uid not in relais_uids]
    return sorted([*relais, *kept])


def clip(periods: Iterable[BusyPeriod], start: datetime, end: datetime) -> list[BusyPeriod]:
    """The periods that overlap ``[start, end)``."""
    return [p for p in periods if p.start < end and p.end > start]
