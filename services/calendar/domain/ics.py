"""RFC 5545 text of events, built with ``icalendar`` (7 or later).

Every calendar carries PRODID and, for iTIP messages, METHOD (without it
Outlook shows no Accept/Decline). Times are written in Europe/Paris against the
fixed VTIMEZONE of :mod:`.paris`, or in UTC for an event given another zone.
DTSTAMP is passed in: nothing here reads the clock, so the same event and stamp
always give the same bytes.

A cancel is ``METHOD:CANCEL`` with ``STATUS:CANCELLED``, the same UID, the
raised SEQUENCE and the attendees, so that every client removes the meeting.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, vCalAddress
from icalendar import Event as VEvent

from services.calendar.domain.model import PARIS, Attendee, Event, Role, Status
from services.calendar.domain.paris import paris_timezone

PRODID = "-//Relais//Calendrier SPST 1.0//FR"
RENDER_VERSION = 1
"""Raised whenever the text of a VEVENT changes, so stored renderings are redone."""
_PARIS = ZoneInfo(PARIS)
_CRLF = "\r\n"


class Method(enum.StrEnum):
    """iTIP methods (RFC 5546) Relais sends."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


def _ambiguous(moment: datetime) -> bool:
    """True for a Paris wall time that occurs twice (the October hour repeated)."""
    local = moment.astimezone(_PARIS)
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def in_paris(event: Event) -> bool:
    """Whether the event is written in Paris time (else UTC).

    An event given another zone, or touching the repeated hour of the October
    change, is written in UTC: ``TZID`` wall times cannot tell the two 02:30 apart.
    """
    details = event.details
    return details.timezone == PARIS and not (
        _ambiguous(details.start) or _ambiguous(details.end))


def _moment(event: Event, moment: datetime) -> datetime:
    return moment.astimezone(_PARIS if in_paris(event) else UTC)


def _attendee(attendee: Attendee, method: Method | None) -> vCalAddress:
    asks_answer = method is Method.REQUEST and attendee.role in (Role.REQUIRED, Role.OPTIONAL)
    return vCalAddress.new(
        attendee.email, cn=attendee.name or None,
        role=attendee.role.value.upper(),
        partstat="ACCEPTED" if attendee.role is Role.CHAIR else "NEEDS-ACTION",
        rsvp=True if asks_answer else None,
    )


def _alarm(summary: str, before: timedelta, when: str) -> Alarm:
    alarm = Alarm.new(description=f"Rappel : {summary} {when}")
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    return alarm


def _description(event: Event) -> str | None:
    details = event.details
    parts = [details.description.strip()] if details.description.strip() else []
    if details.video_url:
        parts.append(f"Visioconférence : {details.video_url}")
    return "\n\n".join(parts) or None


def vevent(event: Event, method: Method | None, stamp: datetime,
           with_attendees: bool = True) -> VEvent:
    """The VEVENT of ``event`` as it goes out with ``method`` (None: stored in CalDAV).

    :param stamp: DTSTAMP, an aware datetime.
    :param with_attendees: False for public copies that must not list other people.
    """
    details = event.details
    status = Status.CANCELLED if method is Method.CANCEL else details.status
    component = VEvent.new(
        uid=event.uid, sequence=event.sequence, stamp=stamp.astimezone(UTC),
        start=_moment(event, details.start), end=_moment(event, details.end),
        summary=details.summary, description=_description(event),
        location=details.location or details.video_url or None,
        url=details.video_url or None,
        organizer=vCalAddress.new(details.organizer.email, cn=details.organizer.name or None),
        attendees=[_attendee(a, method) for a in details.attendees] if with_attendees else None,
        status=status.value.upper(),  # type: ignore[arg-type]
        transparency="TRANSPARENT" if status is Status.CANCELLED else "OPAQUE",  # type: ignore[arg-type]
    )
    if status is not Status.CANCELLED:
        component.add_component(_alarm(details.summary, timedelta(days=1), "demain"))
        component.add_component(_alarm(details.summary, timedelta(hours=1), "dans une heure"))
    return component


def _calendar(method: Method | None, name: str | None = None) -> Calendar:
    calendar = Calendar.new(prodid=PRODID, method=method.value if method else None,
                            name=name)
    calendar.pop("UID", None)  # RFC 7986 calendar UID: random, so left out
    calendar.calscale = "GREGORIAN"
    return calendar


def render(event: Event, method: Method | None, stamp: datetime,
           with_attendees: bool = True) -> str:
    """The whole VCALENDAR of one event (``method`` None: a CalDAV resource, no METHOD)."""
    calendar = _calendar(method)
    if in_paris(event):
        calendar.add_component(paris_timezone())
    calendar.add_component(vevent(event, method, stamp, with_attendees))
    return str(calendar.to_ical().decode("utf-8"))


def render_vevent(event: Event, method: Method | None, stamp: datetime) -> str:
    """Only the VEVENT text, CRLF-terminated, to be assembled later by :func:`assemble`."""
    return str(vevent(event, method, stamp).to_ical().decode("utf-8"))


def assemble(method: Method, vevents: Iterable[str], name: str | None = None) -> str:
    """A VCALENDAR around VEVENT texts already rendered (feeds of thousands of events).

    The head (PRODID, METHOD, VTIMEZONE) still comes from ``icalendar``; only
    the joining is done here, which keeps a 10,000-event feed well under a second.
    """
    calendar = _calendar(method, name)
    calendar.add_component(paris_timezone())
    head = str(calendar.to_ical().decode("utf-8"))
    closing = "END:VCALENDAR" + _CRLF
    if not head.endswith(closing):  # pragma: no cover - icalendar always ends so
        raise ValueError("calendrier inattendu")
    return head[: -len(closing)] + "".join(vevents) + closing
