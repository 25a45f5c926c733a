"""Slot proposal and refusal: working days, office hours, holidays, busy times, the window."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.domain.rules import Window
from services.scheduler.domain.rules.liaison import liaison_window
from services.scheduler.domain.workflows.schedule import paris_day
from services.scheduler.domain.workflows.slots import (
    Interval,
    OfficeHours,
    propose_slots,
    refusal,
)

HOURS = OfficeHours(9 * 60, 17 * 60)
# rules.md: the employee asks Mon 2025-04-07, SPST told the same day.
EASTER = liaison_window(date(2025, 4, 7), date(2025, 4, 7), date(2025, 5, 31))


def test_worked_example_window_and_easter_monday() -> None:
    assert Window(date(2025, 4, 15), date(2025, 4, 22)) == EASTER
    slots = propose_slots(EASTER, region="national", hours=HOURS)
    days = [paris_day(s) for s in slots]
    assert len(slots) == 3 and len(set(days)) == 3
    assert date(2025, 4, 21) not in days
    assert all(EASTER.earliest <= d <= EASTER.latest and d.weekday() < 5 for d in days)
    assert days[0] == date(2025, 4, 15) and days[-1] == date(2025, 4, 22)
    assert all(s.astimezone(UTC).hour == 7 for s in slots)  # 09:00 Paris (UTC+2)


def test_worked_example_impossible_window() -> None:
    window = liaison_window(date(2025, 4, 7), date(2025, 4, 16), date(2025, 5, 31))
    assert window.is_empty
    assert propose_slots(window, region="national", hours=HOURS) == []
    reason = refusal(datetime(2025, 4, 22, 8, tzinfo=UTC), window=window, region="national",
                     hours=HOURS)
    assert reason is not None and "vide" in reason


def test_busy_times_are_avoided() -> None:
    busy = [Interval(datetime(2025, 4, 15, 7, tzinfo=UTC), datetime(2025, 4, 15, 9, tzinfo=UTC))]
    first = propose_slots(EASTER, region="national", hours=HOURS, busy=busy, count=1)[0]
    assert first == datetime(2025, 4, 15, 9, tzinfo=UTC)  # 11:00 Paris, after the busy period


def test_alsace_moselle_good_friday() -> None:
    window = Window(date(2025, 4, 18), date(2025, 4, 18))
    assert propose_slots(window, region="alsace-moselle", hours=HOURS) == []
    assert len(propose_slots(window, region="national", hours=HOURS)) == 1


def test_fewer_free_days_than_three() -> None:
    window = Window(date(2025, 4, 18), date(2025, 4, 22))  # Fri, Sat, Sun, Easter Mon, Tue
    assert [paris_day(s) for s in propose_slots(window, region="national", hours=HOURS)] == [
        date(2025, 4, 18), date(2025, 4, 22)]


@pytest.mark.parametrize(("starts_at", "expected"), [
    (datetime(2025, 4, 16, 8, tzinfo=UTC), None),
    (datetime(2025, 4, 14, 8, tzinfo=UTC), "8 jours"),
    (datetime(2025, 4, 23, 8, tzinfo=UTC), "trop tard"),
    (datetime(2025, 4, 21, 8, tzinfo=UTC), "férié"),
    (datetime(2025, 4, 19, 8, tzinfo=UTC), "jour ouvré"),
    (datetime(2025, 4, 16, 5, tzinfo=UTC), "heures d'ouverture"),
    (datetime(2025, 4, 16, 14, 30, tzinfo=UTC), "heures d'ouverture"),  # ends after 17:00
])
def test_refusal_says_why(starts_at: datetime, expected: str | None) -> None:
    reason = refusal(starts_at, window=EASTER, region="national", hours=HOURS)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None and expected in reason


def test_office_hours_are_checked() -> None:
    with pytest.raises(ValueError):
        OfficeHours(18 * 60, 9 * 60)
