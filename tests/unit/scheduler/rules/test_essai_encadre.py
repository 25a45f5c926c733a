"""Essai encadré: the n-th jour ouvrable, start counting as day 1 when it is one."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import InvalidSituation, essai_encadre_end
from tests.unit.scheduler.rules.builders import d


@pytest.mark.parametrize("start, days, region, expected", [
    pytest.param("2025-04-14", 14, "national", "2025-04-30",
                 id="essai-14-days-from-monday-national"),
    pytest.param("2025-04-14", 14, "alsace-moselle", "2025-05-02",
                 id="essai-14-days-from-monday-alsace-moselle"),
    pytest.param("2025-04-14", 1, "national", "2025-04-14", id="essai-start-counts-as-day-1"),
    pytest.param("2025-04-13", 1, "national", "2025-04-14", id="essai-start-on-sunday"),
    pytest.param("2025-04-21", 1, "national", "2025-04-22", id="essai-start-on-holiday"),
    pytest.param("2025-04-18", 1, "alsace-moselle", "2025-04-19",
                 id="essai-start-on-good-friday-alsace"),
    pytest.param("2025-04-13", 14, "national", "2025-04-30",
                 id="essai-start-on-sunday-14-days"),
    pytest.param("2025-04-12", 1, "national", "2025-04-12", id="essai-saturday-is-ouvrable"),
    pytest.param("2025-04-12", 14, "national", "2025-04-29", id="essai-from-saturday"),
    pytest.param("2025-04-14", 28, "national", "2025-05-19", id="essai-renewed-28-days"),
    pytest.param("2025-04-14", 28, "alsace-moselle", "2025-05-20",
                 id="essai-renewed-28-days-alsace"),
    pytest.param("2025-12-22", 5, "national", "2025-12-27", id="essai-christmas-national"),
    pytest.param("2025-12-22", 5, "alsace-moselle", "2025-12-29", id="essai-christmas-alsace"),
    pytest.param("2024-02-26", 6, "national", "2024-03-02", id="essai-across-leap-day"),
])
def test_essai_encadre_end(start: str, days: int, region: str, expected: str) -> None:
    assert essai_encadre_end(d(start), days, region) == d(expected)


def test_essai_default_is_14_days_national() -> None:
    assert essai_encadre_end(d("2025-04-14")) == d("2025-04-30")


@pytest.mark.parametrize("days, region, field", [
    pytest.param(0, "national", "days", id="essai-0-days-refused"),
    pytest.param(29, "national", "days", id="essai-29-days-refused"),
    pytest.param(-3, "national", "days", id="essai-negative-refused"),
    pytest.param(14, "corse", "region", id="essai-unknown-region-refused"),
])
def test_essai_encadre_refused(days: int, region: str, field: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        essai_encadre_end(d("2025-04-14"), days, region)
    assert caught.value.field == field
    assert caught.value.message
