"""Dates of arrêts and of the return to work: overlaps and the return-date invariant."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduler.domain.cases import (
    CaseConflict,
    InvalidValue,
    Period,
    check_period,
    check_return_date,
    return_date_after_write,
)

MARCH = Period(date(2025, 3, 3), date(2025, 3, 31))


def test_an_arret_may_last_one_day() -> None:
    check_period(Period(date(2025, 3, 3), date(2025, 3, 3)))


def test_an_arret_ending_before_it_starts_is_refused_on_end() -> None:
    with pytest.raises(InvalidValue) as caught:
        check_period(Period(date(2025, 3, 3), date(2025, 3, 2)))
    assert caught.value.field == "end"


def test_a_prolongation_starting_the_day_after_is_accepted() -> None:
    check_period(Period(date(2025, 4, 1), date(2025, 4, 30)), [MARCH])


@pytest.mark.parametrize(("start", "end"), [
    (date(2025, 3, 31), date(2025, 4, 10)),  # shares the last day
    (date(2025, 2, 1), date(2025, 3, 3)),  # shares the first day
    (date(2025, 3, 10), date(2025, 3, 12)),  # inside
    (date(2025, 2, 1), date(2025, 5, 1)),  # around
])
def test_overlapping_arrets_are_refused(start: date, end: date) -> None:
    with pytest.raises(CaseConflict) as caught:
        check_period(Period(start, end), [MARCH])
    assert (caught.value.code, caught.value.field) == ("arret_overlap", "start")


def test_a_return_date_needs_an_arret() -> None:
    with pytest.raises(CaseConflict) as caught:
        check_return_date(date(2025, 4, 1), [])
    assert caught.value.code == "no_arret"


@pytest.mark.parametrize("day", [date(2025, 3, 3), date(2025, 3, 1), date(2025, 1, 1)])
def test_a_return_date_must_follow_the_first_day_of_the_latest_arret(day: date) -> None:
    with pytest.raises(CaseConflict) as caught:
        check_return_date(day, [MARCH])
    assert (caught.value.code, caught.value.field) == ("return_before_arret", "return_date")


@pytest.mark.parametrize("day", [date(2025, 4, 1), date(2025, 3, 20), date(2025, 3, 4)])
def test_a_return_after_the_latest_start_is_accepted_early_or_not(day: date) -> None:
    check_return_date(day, [MARCH, Period(date(2024, 1, 1), date(2024, 1, 5))])


RETURN = date(2025, 4, 7)


@pytest.mark.parametrize(("period", "kept"), [
    (Period(date(2025, 1, 1), date(2025, 1, 31)), RETURN),  # an older arrêt, back-filled
    (Period(date(2025, 3, 1), date(2025, 4, 6)), RETURN),  # ends the day before the return
    (Period(date(2025, 3, 1), date(2025, 4, 30)), RETURN),  # reaches past it: early return
    (Period(RETURN, date(2025, 4, 20)), None),  # starts on the return day: no return happened
    (Period(date(2025, 5, 1), date(2025, 5, 20)), None),  # a new chain after the return
])
def test_what_a_written_arret_does_to_the_return_date(period: Period, kept: date | None) -> None:
    assert return_date_after_write(RETURN, period) == kept


def test_without_a_return_date_nothing_changes() -> None:
    assert return_date_after_write(None, MARCH) is None
