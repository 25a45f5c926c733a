"""Public holidays, jours ouvrables, working days and month arithmetic."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import REGIONS, InvalidSituation
from services.scheduler.domain.rules.calendar import (
    add_months,
    check_region,
    days_from,
    is_jour_ouvrable,
    is_non_working_deadline,
    is_public_holiday,
    is_working_day,
    non_working_days,
    public_holidays,
)
from tests.unit.scheduler.rules.builders import d

NATIONAL_2025 = ["2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29",
                 "2025-06-09", "2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11",
                 "2025-12-25"]


def test_regions_are_the_contract_values() -> None:
    assert REGIONS == ("national", "alsace-moselle")


@pytest.mark.parametrize("region, count", [
    pytest.param("national", 11, id="holidays-national-list-has-11-days"),
    pytest.param("alsace-moselle", 13, id="holidays-alsace-moselle-adds-two-days"),
])
def test_holiday_count_2025(region: str, count: int) -> None:
    assert len(public_holidays(region, 2025)) == count


@pytest.mark.parametrize("day", [pytest.param(day, id=f"holiday-national-{day}")
                                 for day in NATIONAL_2025])
def test_national_holidays_are_holidays_everywhere(day: str) -> None:
    for region in REGIONS:
        assert is_public_holiday(d(day), region)


@pytest.mark.parametrize("day, region, expected", [
    pytest.param("2025-04-18", "alsace-moselle", True, id="holiday-good-friday-alsace"),
    pytest.param("2025-04-18", "national", False, id="holiday-good-friday-not-national"),
    pytest.param("2025-12-26", "alsace-moselle", True, id="holiday-26-december-alsace"),
    pytest.param("2025-12-26", "national", False, id="holiday-26-december-not-national"),
    pytest.param("2024-03-29", "alsace-moselle", True, id="holiday-good-friday-leap-year"),
    pytest.param("2024-04-01", "national", True, id="holiday-easter-monday-leap-year"),
    pytest.param("2025-04-20", "national", False, id="holiday-easter-sunday-is-not-listed"),
    pytest.param("2025-04-22", "national", False, id="holiday-ordinary-tuesday"),
])
def test_regional_holidays(day: str, region: str, expected: bool) -> None:
    assert is_public_holiday(d(day), region) is expected


@pytest.mark.parametrize("day, region, ouvrable, working, flagged", [
    pytest.param("2025-04-19", "national", True, False, False, id="saturday-is-ouvrable"),
    pytest.param("2025-04-20", "national", False, False, True, id="sunday-is-not-ouvrable"),
    pytest.param("2025-04-21", "national", False, False, True, id="easter-monday-is-not"),
    pytest.param("2025-04-22", "national", True, True, False, id="tuesday-is-both"),
    pytest.param("2025-04-18", "national", True, True, False, id="good-friday-national"),
    pytest.param("2025-04-18", "alsace-moselle", False, False, True, id="good-friday-alsace"),
    pytest.param("2025-05-01", "national", False, False, True, id="may-day-thursday"),
])
def test_kinds_of_days(day: str, region: str, ouvrable: bool, working: bool,
                       flagged: bool) -> None:
    assert is_jour_ouvrable(d(day), region) is ouvrable
    assert is_working_day(d(day), region) is working
    assert is_non_working_deadline(d(day), region) is flagged


@pytest.mark.parametrize("first, last, region, expected", [
    pytest.param("2025-04-15", "2025-04-22", "national",
                 ("2025-04-19", "2025-04-20", "2025-04-21"), id="non-working-easter-week"),
    pytest.param("2025-04-15", "2025-04-22", "alsace-moselle",
                 ("2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21"),
                 id="non-working-easter-week-alsace"),
    pytest.param("2025-12-24", "2025-12-27", "national", ("2025-12-25", "2025-12-27"),
                 id="non-working-christmas-national"),
    pytest.param("2025-12-24", "2025-12-27", "alsace-moselle",
                 ("2025-12-25", "2025-12-26", "2025-12-27"), id="non-working-christmas-alsace"),
    pytest.param("2025-04-24", "2025-04-22", "national", (), id="non-working-empty-window"),
    pytest.param("2025-04-22", "2025-04-22", "national", (), id="non-working-one-weekday"),
])
def test_non_working_days(first: str, last: str, region: str,
                          expected: tuple[str, ...]) -> None:
    assert non_working_days(d(first), d(last), region) == tuple(d(x) for x in expected)


@pytest.mark.parametrize("day, months, expected", [
    pytest.param("2025-01-31", 1, "2025-02-28", id="months-clamp-to-february-end"),
    pytest.param("2024-01-31", 1, "2024-02-29", id="months-clamp-leap-february"),
    pytest.param("2024-02-29", 12, "2025-02-28", id="months-leap-day-plus-a-year"),
    pytest.param("2024-02-29", 48, "2028-02-29", id="months-leap-day-plus-four-years"),
    pytest.param("2025-03-31", 1, "2025-04-30", id="months-clamp-to-30-day-month"),
    pytest.param("2025-12-15", 1, "2026-01-15", id="months-across-year-end"),
    pytest.param("2025-11-30", 3, "2026-02-28", id="months-across-year-clamped"),
    pytest.param("2025-05-31", -1, "2025-04-30", id="months-backwards-clamped"),
    pytest.param("2025-03-15", 0, "2025-03-15", id="months-zero"),
    pytest.param("2025-01-31", 18, "2026-07-31", id="months-eighteen"),
    pytest.param("2023-08-31", 6, "2024-02-29", id="months-six-into-leap-february"),
])
def test_add_months(day: str, months: int, expected: str) -> None:
    assert add_months(d(day), months) == d(expected)


@pytest.mark.parametrize("region", [
    pytest.param("Alsace-Moselle", id="region-case-matters"),
    pytest.param("57", id="region-package-code-refused"),
    pytest.param("", id="region-empty"),
    pytest.param("guadeloupe", id="region-unknown"),
])
def test_unknown_region_is_refused(region: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        check_region(region)
    assert caught.value.field == "region"
    with pytest.raises(InvalidSituation):
        public_holidays(region, 2025)


def test_days_from_includes_both_bounds() -> None:
    assert list(days_from(d("2024-02-28"), d("2024-03-01"))) == [
        d("2024-02-28"), d("2024-02-29"), d("2024-03-01")]
    assert list(days_from(d("2024-03-01"), d("2024-02-28"))) == []
