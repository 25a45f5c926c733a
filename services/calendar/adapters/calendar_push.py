"""The narrow interface to a planner's own calendar, and its in-memory fake.

The worker pushes each event with :meth:`CalendarPush.put` (the whole
VCALENDAR, SEQUENCE set by Relais) and removes cancelled ones with
:meth:`CalendarPush.delete`; busy times read :meth:`CalendarPush.busy`. Every
failure of the remote side is a :class:`CalendarUnavailable`.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event


class CalendarUnavailable(Exception):
    """The remote calendar could not be reached or refused the request."""


@dataclass(frozen=True)
class RemoteBusy:
    """A busy stretch read from the remote calendar, with its event's UID."""

    start: datetime
    end: datetime
    uid: str | None


class CalendarPush(abc.ABC):
    """One planner's remote calendar."""

    @abc.abstractmethod
    def put(self, event_ics: str, uid: str) -> None:
        """Create or replace the event ``uid`` (idempotent)."""

    @abc.abstractmethod
    def delete(self, uid: str) -> None:
        """Remove the event ``uid``; an absent event is not an error."""

    @abc.abstractmethod
    def busy(self, start: datetime, end: datetime) -> list[RemoteBusy]:
        """Events overlapping ``[start, end)``, not cancelled, not transparent."""


def busy_in(ics_texts: list[str], start: datetime, end: datetime) -> list[RemoteBusy]:
    """Busy stretches of VEVENTs in calendar texts (shared by the fake and the real one)."""
    found: list[RemoteBusy] = []
    for text in ics_texts:
        for component in Calendar.from_ical(text).walk("VEVENT"):
            if not isinstance(component, Event):
                continue
            if str(component.get("STATUS", "")).upper() == "CANCELLED":
                continue
            if str(component.get("TRANSP", "")).upper() == "TRANSPARENT":
                continue
            first, last = component.start, component.end
            if not isinstance(first, datetime) or not isinstance(last, datetime):
                continue  # all-day entries are not busy times here
            if first < end and last > start:
                found.append(RemoteBusy(first, last, str(component.get("UID", "")) or None))
    return sorted(found, key=lambda b: b.start)


class FakeCalendar(CalendarPush):
    """In memory, for unit tests; ``down = True`` makes every call fail."""

    def __init__(self) -> None:
        self.events: dict[str, str] = {}
        self.down = False
        self.calls: list[tuple[str, str]] = []

    def _check(self) -> None:
        if self.down:
            raise CalendarUnavailable("serveur CalDAV injoignable (simulé)")

    def put(self, event_ics: str, uid: str) -> None:
        self._check()
        self.calls.append(("put", uid))
        self.events[uid] = event_ics

    def delete(self, uid: str) -> None:
        self._check()
        self.calls.append(("delete", uid))
        self.events.pop(uid, None)

    def busy(self, start: datetime, end: datetime) -> list[RemoteBusy]:
        self._check()
        return busy_in(list(self.events.values()), start, end)

    def get(self, uid: str) -> str | None:
        """The stored text of ``uid`` (contract tests read it back the same way)."""
        self._check()
        return self.events.get(uid)
