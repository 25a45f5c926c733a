"""The calendar's domain: an event, the people in it, and how it changes.

Pure standard library. Relais owns SEQUENCE (RFC 5545 §3.8.7.4): it rises by one
each time a change matters to the people invited (time, place, status, who is
invited, what it is about), never for a cosmetic one (a display name, a
different but equal way of writing the same instant), so that a retried
``PUT`` is idempotent and calendars never see a revision that changed nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

PARIS = "Europe/Paris"


class Role(enum.StrEnum):
    """An attendee's role (RFC 5545 ROLE), in the API's lowercase spelling."""

    CHAIR = "chair"
    REQUIRED = "req-participant"
    OPTIONAL = "opt-participant"
    NON_PARTICIPANT = "non-participant"


class Status(enum.StrEnum):
    """An event's status (RFC 5545 STATUS)."""

    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Person:
    """Someone with an e-mail address: the organizer, or an attendee."""

    name: str
    email: str


@dataclass(frozen=True)
class Attendee:
    """An invited person and their role."""

    name: str
    email: str
    role: Role = Role.REQUIRED

    def key(self) -> tuple[str, str]:
        """What matters to the invitation: the address and the role, not the name."""
        return (self.email.lower(), self.role.value)


@dataclass(frozen=True)
class EventDetails:
    """What a caller says about an event; the service keeps UID and SEQUENCE."""

    start: datetime
    end: datetime
    summary: str
    organizer: Person
    description: str = ""
    location: str | None = None
    video_url: str | None = None
    attendees: tuple[Attendee, ...] = ()
    status: Status = Status.CONFIRMED
    timezone: str = PARIS
    planner_id: int | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("start et end doivent porter un fuseau horaire")
        if self.end <= self.start:
            raise ValueError("end doit être postérieur à start")

    def meaningful(self) -> tuple[object, ...]:
        """The parts whose change is a new revision for the people invited."""
        return (
            self.start, self.end, self.summary, self.description, self.location,
            self.video_url, self.status, self.organizer.email.lower(),
            frozenset(a.key() for a in self.attendees),
        )


@dataclass(frozen=True)
class Event:
    """A meeting known to Relais, identified by its UID for its whole life."""

    uid: str
    details: EventDetails
    sequence: int = 0

    @property
    def cancelled(self) -> bool:
        return self.details.status is Status.CANCELLED


@dataclass(frozen=True)
class Revision:
    """The outcome of applying details to an event.

    :ivar changed: something was stored differently (even cosmetically).
    :ivar meaningful: SEQUENCE was raised: calendars must hear of it.
    """

    event: Event
    changed: bool
    meaningful: bool


def create(uid: str, details: EventDetails) -> Revision:
    """A new event, at SEQUENCE 0."""
    return Revision(Event(uid, details, 0), changed=True, meaningful=True)


def revise(event: Event, details: EventDetails) -> Revision:
    """Apply new details to ``event``: same UID, SEQUENCE + 1 only when it matters."""
    if details == event.details:
        return Revision(event, changed=False, meaningful=False)
    meaningful = details.meaningful() != event.details.meaningful()
    sequence = event.sequence + 1 if meaningful else event.sequence
    return Revision(replace(event, details=details, sequence=sequence), True, meaningful)


def cancel(event: Event) -> Revision:
    """Cancel ``event``: status cancelled, SEQUENCE raised, attendees kept.

    Cancelling twice changes nothing the second time.
    """
    if event.cancelled:
        return Revision(event, changed=False, meaningful=False)
    details = replace(event.details, status=Status.CANCELLED)
    return Revision(replace(event, details=details, sequence=event.sequence + 1), True, True)
