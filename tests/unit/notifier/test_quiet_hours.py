"""Quiet hours for SMS: evenings, nights, Sundays, French public holidays, DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.notifier.bootstrap import build_quiet_hours
from services.notifier.domain.quiet_hours import PARIS, QuietHours, earliest_send

QUIET = build_quiet_hours({})


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.mark.parametrize(("moment", "expected"), [
    # A Tuesday at noon: now.
    (paris(2026, 3, 10, 12, 0), paris(2026, 3, 10, 12, 0)),
    # 08:00 sharp is allowed, 20:00 sharp is not.
    (paris(2026, 3, 10, 8, 0), paris(2026, 3, 10, 8, 0)),
    (paris(2026, 3, 10, 20, 0), paris(2026, 3, 11, 8, 0)),
    (paris(2026, 3, 10, 19, 59), paris(2026, 3, 10, 19, 59)),
    # Night: next morning.
    (paris(2026, 3, 10, 23, 30), paris(2026, 3, 11, 8, 0)),
    (paris(2026, 3, 11, 3, 0), paris(2026, 3, 11, 8, 0)),
    # Saturday evening -> Monday (Sunday is quiet).
    (paris(2026, 3, 14, 21, 0), paris(2026, 3, 16, 8, 0)),
    (paris(2026, 3, 15, 12, 0), paris(2026, 3, 16, 8, 0)),
    # Public holidays: 1 May 2026 is a Friday; 14 July 2026 a Tuesday.
    (paris(2026, 4, 30, 20, 30), paris(2026, 5, 2, 8, 0)),
    (paris(2026, 7, 14, 10, 0), paris(2026, 7, 15, 8, 0)),
    # Christmas on a Friday, Saturday allowed.
    (paris(2026, 12, 24, 22, 0), paris(2026, 12, 26, 8, 0)),
    # Easter Monday 2026 (6 April) after Easter Sunday.
    (paris(2026, 4, 4, 20, 0), paris(2026, 4, 7, 8, 0)),
    # Ascension (14 May 2026), Whit Monday (25 May 2026).
    (paris(2026, 5, 14, 9, 0), paris(2026, 5, 15, 8, 0)),
    (paris(2026, 5, 23, 20, 1), paris(2026, 5, 26, 8, 0)),
])
def test_next_allowed(moment: datetime, expected: datetime) -> None:
    assert QUIET.next_allowed(moment) == expected
    assert QUIET.next_allowed(moment).tzinfo == UTC


def test_dst_spring_forward_opening_is_0600_utc() -> None:
    # Sunday 29 March 2026 clocks go forward; Monday 08:00 Paris is 06:00 UTC.
    night = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)
    assert QUIET.next_allowed(night) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_dst_fall_back_opening_is_0700_utc() -> None:
    # Sunday 25 October 2026 clocks go back; Monday 08:00 Paris is 07:00 UTC.
    night = datetime(2026, 10, 24, 19, 30, tzinfo=UTC)  # 21:30 Paris
    assert QUIET.next_allowed(night) == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


def test_evening_limit_follows_local_time_across_dst() -> None:
    # 18:30 UTC is 19:30 Paris in winter (allowed), 20:30 in summer (quiet).
    assert QUIET.allows(datetime(2026, 1, 13, 18, 30, tzinfo=UTC))
    assert not QUIET.allows(datetime(2026, 7, 7, 18, 30, tzinfo=UTC))


def test_configurable_hours_and_sundays() -> None:
    quiet = QuietHours(start=time(9, 0), end=time(18, 0), sundays=False)
    assert quiet.next_allowed(paris(2026, 3, 15, 8, 0)) == paris(2026, 3, 15, 9, 0)
    assert not quiet.allows(paris(2026, 3, 15, 18, 0))


def test_holidays_can_be_switched_off() -> None:
    quiet = build_quiet_hours({"QUIET_HOLIDAYS": False})
    assert quiet.allows(paris(2026, 7, 14, 10, 0))


def test_earliest_send_honours_not_before_then_quiet_hours() -> None:
    now = paris(2026, 3, 10, 10, 0)
    assert earliest_send(now, None, QUIET) == now
    assert earliest_send(now, paris(2026, 3, 10, 21, 0), QUIET) == paris(2026, 3, 11, 8, 0)
    # E-mail: no quiet hours, not_before only.
    assert earliest_send(now, paris(2026, 3, 10, 21, 0), None) == paris(2026, 3, 10, 21, 0)
    assert earliest_send(now, now - timedelta(days=1), None) == now


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="fuseau"):
        QUIET.allows(datetime(2026, 3, 10, 12, 0))
