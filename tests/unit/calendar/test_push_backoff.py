"""Backoff of the outboxes (CalDAV push, invitations) and the fake calendar's behaviour."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.calendar.adapters.calendar_push import CalendarUnavailable, FakeCalendar
from services.calendar.service_layer.outbox import MAX_DELAY, backoff


@pytest.mark.parametrize(("attempts", "expected"), [
    (1, timedelta(seconds=10)), (2, timedelta(seconds=20)), (3, timedelta(seconds=40)),
    (12, MAX_DELAY), (40, MAX_DELAY),
])
def test_backoff_doubles_up_to_an_hour(attempts: int, expected: timedelta) -> None:
    assert backoff(attempts, jitter=0) == expected


def test_backoff_jitter_stays_within_twenty_percent() -> None:
    for _ in range(50):
        assert timedelta(seconds=8) <= backoff(1) <= timedelta(seconds=12)


def test_fake_calendar_fails_when_down() -> None:
    fake = FakeCalendar()
    fake.down = True
    with pytest.raises(CalendarUnavailable):
        fake.put("BEGIN:VCALENDAR", "x")
