"""Who gets an iMIP e-mail when an event changes, and which ones still need sending.

Pure rules, no I/O. A change that raises SEQUENCE (creation, meaningful
update, cancellation) sends one message per attendee with an e-mail address,
the organizer excepted (RFC 6047 iMIP; RFC 5546 iTIP methods):

- an event created or updated: ``REQUEST`` to every attendee; one removed by
  the update gets a ``CANCEL`` listing only them, so the meeting leaves their
  calendar;
- an event cancelled: ``CANCEL`` to everyone who had been invited;
- an event created already cancelled: nothing (no one knew of it).

When the worker reaches a ``REQUEST`` for which a newer revision exists for the
same attendee, it is superseded: sending it would show a stale time. A
``CANCEL`` is always sent: it may be the last word on the meeting, and calendar
clients ignore it anyway when they hold a higher SEQUENCE.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, replace

from services.calendar.domain.french import date_fr
from services.calendar.domain.ics import Method
from services.calendar.domain.model import Attendee, Event

TEMPLATES = {Method.REQUEST: "event_invitation", Method.CANCEL: "event_cancelled"}
"""The notifier's template of each method."""
MAX_KEY = 200
"""The notifier's longest idempotency key."""
NO_NAME = "Madame, Monsieur"
NO_ORGANIZER = "Votre service de prévention et de santé au travail"


def email_key(email: str) -> str:
    """The attendee's stable key: SHA-256 of the trimmed lower-cased address, 16 hex digits."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def idempotency_key(uid: str, sequence: int, method: Method, email: str) -> str:
    """``invite:{uid}:{sequence}:{method}:{email_key}``: one message per attendee and revision.

    A UID too long for the notifier's 200 characters is replaced by its hash.
    """
    key = f"invite:{uid}:{sequence}:{method.value}:{email_key(email)}"
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(uid.encode()).hexdigest()[:32]
    return f"invite:h-{digest}:{sequence}:{method.value}:{email_key(email)}"


def recipients(event: Event) -> tuple[Attendee, ...]:
    """The attendees who get e-mails: with an address, not the organizer, each once."""
    organizer = event.details.organizer.email.strip().lower()
    seen: set[str] = {organizer}
    chosen = []
    for attendee in event.details.attendees:
        address = attendee.email.strip().lower()
        if address and address not in seen:
            seen.add(address)
            chosen.append(attendee)
    return tuple(chosen)


@dataclass(frozen=True)
class Invitation:
    """One message to send: to ``attendee``, for ``event`` at its SEQUENCE.

    :ivar update: the attendee had the previous revision (the e-mail says « modifié »).
    :ivar removed: the attendee was taken off the event: a CANCEL for them alone.
    """

    attendee: Attendee
    method: Method
    event: Event
    update: bool = False
    removed: bool = False

    @property
    def sequence(self) -> int:
        return self.event.sequence

    @property
    def template(self) -> str:
        return TEMPLATES[self.method]

    def key(self) -> str:
        return idempotency_key(self.event.uid, self.sequence, self.method, self.attendee.email)

    def as_sent(self) -> Event:
        """The event as this message describes it: a removed attendee sees only themself."""
        if not self.removed:
            return self.event
        return replace(self.event, details=replace(self.event.details,
                                                   attendees=(self.attendee,)))

    def data(self) -> dict[str, object]:
        """The notifier template's data: no description, nothing about anyone's health."""
        details = self.event.details
        return {
            "name": self.attendee.name.strip() or NO_NAME,
            "summary": details.summary,
            "start": date_fr(details.start),
            "end": date_fr(details.end),
            "location": details.location or None,
            "video_url": details.video_url or None,
            "organizer_name": details.organizer.name.strip() or NO_ORGANIZER,
            "update": self.update,
        }


def plan(before: Event | None, after: Event) -> list[Invitation]:
    """The messages a change from ``before`` (None: creation) to ``after`` sends.

    Call it only for a change that raised SEQUENCE.
    """
    had = {a.email.strip().lower(): a for a in recipients(before)} if before and \
        not before.cancelled else {}
    if after.cancelled:
        return [Invitation(a, Method.CANCEL, after) for a in had.values()]
    now = recipients(after)
    kept = {a.email.strip().lower() for a in now}
    invitations = [Invitation(a, Method.REQUEST, after, update=a.email.strip().lower() in had)
                   for a in now]
    invitations += [Invitation(a, Method.CANCEL, after, removed=True)
                    for address, a in had.items() if address not in kept]
    return invitations


class Decision(enum.StrEnum):
    """What the worker does with a queued invite."""

    DELIVER = "deliver"
    SUPERSEDED = "superseded"


def decide(method: str, sequence: int, newest_sequence: int | None) -> Decision:
    """Send the invite, or skip it because the attendee has a newer revision queued or sent.

    :param newest_sequence: the highest SEQUENCE among this attendee's invites
        for the same event (this one included), None if unknown.
    """
    if method == Method.CANCEL.value:
        return Decision.DELIVER
    if newest_sequence is not None and newest_sequence > sequence:
        return Decision.SUPERSEDED
    return Decision.DELIVER
