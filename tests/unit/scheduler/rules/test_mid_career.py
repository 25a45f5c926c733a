"""Visite de mi-carrière: the calendar year of the branch age, and the two before."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import MidCareerVisit
from services.scheduler.domain.rules.mid_career import mid_career_visit
from tests.unit.scheduler.rules.builders import d, window


@pytest.mark.parametrize("born, age, expected", [
    pytest.param("1980-02-29", 45, MidCareerVisit(window("2025-01-01", "2025-12-31"),
                                                  window("2023-01-01", "2024-12-31")),
                 id="mid-career-born-on-leap-day"),
    pytest.param("1980-01-01", 45, MidCareerVisit(window("2025-01-01", "2025-12-31"),
                                                  window("2023-01-01", "2024-12-31")),
                 id="mid-career-born-1-january"),
    pytest.param("1980-12-31", 45, MidCareerVisit(window("2025-01-01", "2025-12-31"),
                                                  window("2023-01-01", "2024-12-31")),
                 id="mid-career-born-31-december"),
    pytest.param("1980-06-15", 50, MidCareerVisit(window("2030-01-01", "2030-12-31"),
                                                  window("2028-01-01", "2029-12-31")),
                 id="mid-career-branch-age-50"),
    pytest.param("1999-03-01", 45, MidCareerVisit(window("2044-01-01", "2044-12-31"),
                                                  window("2042-01-01", "2043-12-31")),
                 id="mid-career-young-employee"),
])
def test_mid_career_windows(born: str, age: int, expected: MidCareerVisit) -> None:
    assert mid_career_visit(d(born), age) == expected


def test_mid_career_needs_birth_date() -> None:
    assert mid_career_visit(None) == MidCareerVisit(None, None)


def test_mid_career_default_age_is_45() -> None:
    found = mid_career_visit(d("1980-05-05"))
    assert found.window == window("2025-01-01", "2025-12-31")
