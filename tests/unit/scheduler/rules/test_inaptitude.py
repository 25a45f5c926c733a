"""Inaptitude: salary resumes one month after the opinion."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Inaptitude
from services.scheduler.domain.rules.inaptitude import inaptitude
from tests.unit.scheduler.rules.builders import d


@pytest.mark.parametrize("opinion, resumes", [
    pytest.param("2024-01-31", "2024-02-29", id="inaptitude-month-end-leap-year"),
    pytest.param("2025-01-31", "2025-02-28", id="inaptitude-month-end-common-year"),
    pytest.param("2025-03-15", "2025-04-15", id="inaptitude-same-day-next-month"),
    pytest.param("2025-12-31", "2026-01-31", id="inaptitude-across-year-end"),
    pytest.param("2024-02-29", "2024-03-29", id="inaptitude-from-leap-day"),
    pytest.param("2025-05-31", "2025-06-30", id="inaptitude-clamped-to-30-days"),
])
def test_salary_resumes_one_month_later(opinion: str, resumes: str) -> None:
    assert inaptitude(d(opinion)) == Inaptitude(salary_resumes_on=d(resumes))


def test_no_opinion_no_inaptitude() -> None:
    assert inaptitude(None) is None
