"""A return recorded late or absurdly far ahead (rules.md: the visit by R + 8 at the latest)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.domain.cases import InvalidValue
from services.scheduler.domain.workflows import schedule
from services.scheduler.service_layer.reprise import check_horizon, late_step

# Return Monday 2025-03-03: deadline R + 8 = 2025-03-11 (rules.md's worked example).
STEPS = schedule.reprise_actions(date(2025, 3, 11))


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2025, 3, 3, 8, 0, tzinfo=UTC), None),               # recorded on the day: in time
    (datetime(2025, 3, 8, 7, 59, tzinfo=UTC), None),              # just before D-3 09:00 Paris
    (datetime(2025, 3, 8, 8, 0, tzinfo=UTC), "reprise_d3"),       # D-3 reached
    (datetime(2025, 3, 10, 12, 0, tzinfo=UTC), "reprise_d1"),     # D-1 passed: the latest one
    (datetime(2025, 3, 11, 22, 0, tzinfo=UTC), "reprise_d1"),     # still D (Paris): not missed
    (datetime(2025, 3, 11, 23, 5, tzinfo=UTC), "reprise_missed"),  # D + 1 00:05 Paris
    (datetime(2026, 1, 2, 9, 0, tzinfo=UTC), "reprise_missed"),   # months late
])
def test_the_step_a_late_recording_takes_at_once(now: datetime, expected: str | None) -> None:
    assert late_step(STEPS, now) == expected


@pytest.mark.parametrize("returned", [date(2025, 3, 3), date(2024, 1, 1), date(2026, 3, 4)])
def test_a_return_up_to_a_year_ahead_is_taken(returned: date) -> None:
    check_horizon(returned, date(2025, 3, 3))


@pytest.mark.parametrize("returned", [date(2026, 3, 5), date(2100, 12, 31)])
def test_a_return_further_ahead_is_refused_naming_the_field(returned: date) -> None:
    with pytest.raises(InvalidValue) as caught:
        check_horizon(returned, date(2025, 3, 3))
    assert caught.value.field == "return_date"
    assert "04/03/2026" in caught.value.message
