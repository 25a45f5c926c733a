"""Warnings: deadlines on Sundays and public holidays, reported and never moved."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules.warnings import (
    DEADLINE_NON_WORKING_DAY,
    deadline_warnings,
    french_day,
    liaison_window_impossible,
)
from tests.unit.scheduler.rules.builders import d


@pytest.mark.parametrize("day, region, kind", [
    pytest.param("2025-04-20", "national", "dimanche", id="deadline-on-sunday-warned"),
    pytest.param("2025-04-21", "national", "jour férié", id="deadline-on-easter-monday-warned"),
    pytest.param("2025-04-18", "alsace-moselle", "jour férié",
                 id="deadline-on-good-friday-warned-in-alsace"),
    pytest.param("2025-04-18", "national", None, id="deadline-on-good-friday-national-not"),
    pytest.param("2025-04-19", "national", None, id="deadline-on-saturday-not-warned"),
    pytest.param("2025-04-22", "national", None, id="deadline-on-weekday-not-warned"),
    pytest.param("2026-11-01", "national", "jour férié", id="deadline-holiday-on-sunday"),
])
def test_deadline_warnings(day: str, region: str, kind: str | None) -> None:
    found = deadline_warnings([("échéance d'essai", d(day))], region)
    if kind is None:
        assert found == []
        return
    [warning] = found
    assert warning.code == DEADLINE_NON_WORKING_DAY
    assert day in warning.message
    assert kind in warning.message
    assert "échéance d'essai" in warning.message


@pytest.mark.parametrize("day, expected", [
    pytest.param("2025-04-21", "lundi 2025-04-21", id="french-day-monday"),
    pytest.param("2025-04-20", "dimanche 2025-04-20", id="french-day-sunday"),
])
def test_french_day(day: str, expected: str) -> None:
    assert french_day(d(day)) == expected


def test_impossible_window_names_both_bounds() -> None:
    warning = liaison_window_impossible(d("2025-04-24"), d("2025-04-22"))
    assert warning.code == "liaison_window_impossible"
    assert "2025-04-24" in warning.message
    assert "2025-04-22" in warning.message
