"""Due-action times: the day before at 10:00 Paris, D-3/D-1/missed, mid-career follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.scheduler.domain.cases import CaseConflict
from services.scheduler.domain.rules import Window
from services.scheduler.domain.workflows import schedule, states


@pytest.mark.parametrize(("starts_at", "expected"), [
    (datetime(2025, 4, 16, 8, tzinfo=UTC), datetime(2025, 4, 15, 8, tzinfo=UTC)),  # summer
    (datetime(2025, 1, 16, 8, tzinfo=UTC), datetime(2025, 1, 15, 9, tzinfo=UTC)),  # winter
    (datetime(2025, 3, 31, 8, tzinfo=UTC), datetime(2025, 3, 30, 8, tzinfo=UTC)),  # DST day
])
def test_reminder_the_day_before_at_ten_paris(starts_at: datetime, expected: datetime) -> None:
    assert schedule.reminder_at(starts_at) == expected


def test_reprise_escalations() -> None:
    actions = schedule.reprise_actions(date(2025, 3, 11))
    assert actions == [
        ("reprise_d3", datetime(2025, 3, 8, 8, tzinfo=UTC)),
        ("reprise_d1", datetime(2025, 3, 10, 8, tzinfo=UTC)),
        ("reprise_missed", datetime(2025, 3, 11, 23, 5, tzinfo=UTC)),
    ]


def test_mid_career_follow_ups() -> None:
    year = schedule.mid_career_actions(Window(date(2025, 1, 1), date(2025, 12, 31)))
    assert [(k, d.date()) for k, d in year] == [("mid_career_midyear", date(2025, 7, 1)),
                                                ("mid_career_closing", date(2025, 11, 1))]
    combined = schedule.mid_career_actions(Window(date(2023, 1, 1), date(2024, 12, 31)))
    assert [d.date() for _, d in combined] == [date(2024, 1, 1), date(2024, 11, 1)]


def test_future_only() -> None:
    now = datetime(2025, 3, 9, tzinfo=UTC)
    kept = schedule.future_only(schedule.reprise_actions(date(2025, 3, 11)), now)
    assert [k for k, _ in kept] == ["reprise_d1", "reprise_missed"]


@pytest.mark.parametrize(("kind", "state", "target", "allowed"), [
    ("liaison", "informed", "accepted", True),
    ("liaison", "informed", "confirmed", False),
    ("liaison", "confirmed", "refused", True),
    ("liaison", "refused", "accepted", False),
    ("liaison", "held", "cancelled", False),
    ("reprise", "referred", "missed", True),
    ("reprise", "missed", "scheduled", True),
    ("pre_reprise", "informed", "requested", True),
    ("mid_career", "due", "scheduled", True),
])
def test_transitions(kind: str, state: str, target: str, allowed: bool) -> None:
    assert states.can_move(kind, state, target) is allowed
    if not allowed:
        with pytest.raises(CaseConflict):
            states.check_transition(kind, state, target)
