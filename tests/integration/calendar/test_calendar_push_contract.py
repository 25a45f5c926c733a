"""One contract, two implementations: the in-memory fake and a real Radicale.

What the worker and the busy times rely on: put is idempotent and keeps
SEQUENCE as given, put again replaces, delete removes and tolerates absence,
busy lists overlapping, non-cancelled events.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Protocol

import icalendar
import pytest

from services.calendar.adapters.caldav_client import CaldavCalendar
from services.calendar.adapters.calendar_push import CalendarPush, FakeCalendar
from services.calendar.domain import ics, model
from tests.integration.calendar.conftest import Radicale
from tests.unit.calendar.samples import STAMP, details


class Readable(Protocol):
    def get(self, uid: str) -> str | None: ...


@pytest.fixture(params=["fake", "radicale"])
def calendar(request: pytest.FixtureRequest) -> CalendarPush:
    if request.param == "fake":
        return FakeCalendar()
    server: Radicale = request.getfixturevalue("radicale")
    url = server.make_calendar("contract", f"c-{uuid.uuid4().hex[:8]}")
    return CaldavCalendar(url, "contract", "secret", timeout=5)


def _read(calendar: CalendarPush, uid: str) -> icalendar.Event | None:
    assert isinstance(calendar, FakeCalendar | CaldavCalendar)
    text = calendar.get(uid)
    return None if text is None else icalendar.Calendar.from_ical(text).events[0]


def test_put_stores_the_event_with_relais_sequence(calendar: CalendarPush) -> None:
    event = model.Event("k1@relais", details(), 3)
    calendar.put(ics.render(event, None, STAMP), event.uid)
    calendar.put(ics.render(event, None, STAMP), event.uid)  # replay: same resource
    stored = _read(calendar, event.uid)
    assert stored is not None
    assert stored["SEQUENCE"] == 3
    assert stored.start == event.details.start


def test_put_again_replaces(calendar: CalendarPush) -> None:
    event = model.create("k2@relais", details()).event
    calendar.put(ics.render(event, None, STAMP), event.uid)
    later = datetime(2026, 12, 5, 13, tzinfo=UTC)
    moved = model.revise(event, details(start=later, end=later + timedelta(hours=1))).event
    calendar.put(ics.render(moved, None, STAMP), moved.uid)
    stored = _read(calendar, event.uid)
    assert stored is not None
    assert (stored["SEQUENCE"], stored.start) == (1, later)


def test_delete_removes_and_tolerates_absence(calendar: CalendarPush) -> None:
    event = model.create("k3@relais", details()).event
    calendar.put(ics.render(event, None, STAMP), event.uid)
    calendar.delete(event.uid)
    assert _read(calendar, event.uid) is None
    calendar.delete(event.uid)
    calendar.delete("never-seen@relais")


def test_busy_lists_overlapping_events_with_their_uid(calendar: CalendarPush) -> None:
    day = datetime(2026, 12, 1, tzinfo=UTC)
    for hour, uid in ((8, "k4@relais"), (14, "k5@relais")):
        start = day + timedelta(hours=hour)
        event = model.create(uid, details(start=start, end=start + timedelta(hours=1))).event
        calendar.put(ics.render(event, None, STAMP), uid)
    found = calendar.busy(day + timedelta(hours=7), day + timedelta(hours=12))
    assert [(b.uid, b.start) for b in found] == [("k4@relais", day + timedelta(hours=8))]
    assert len(calendar.busy(day, day + timedelta(days=1))) == 2
