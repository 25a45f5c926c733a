"""CRPE: 18 months at most; after sickness, also within three years of the arrêt."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Absence, Cause, InvalidSituation, crpe_latest_end
from tests.unit.scheduler.rules.builders import arret, d, sick


@pytest.mark.parametrize("start, prior, latest_end, months", [
    pytest.param("2025-03-01", arret("accident_travail", "2024-01-10", "2025-02-28"),
                 "2026-08-31", 18, id="crpe-work-accident-18-months"),
    pytest.param("2025-03-01", arret("maladie_professionnelle", "2020-01-01", "2025-02-28"),
                 "2026-08-31", 18, id="crpe-occupational-disease-18-months-whatever"),
    pytest.param("2025-03-01", arret("accident_trajet", "2020-01-01", "2025-02-28"),
                 "2026-08-31", 18, id="crpe-commuting-accident-at-mp-branch"),
    pytest.param("2025-03-01", sick("2024-06-01", "2025-02-28"), "2026-08-31", 18,
                 id="crpe-sickness-recent-18-months"),
    pytest.param("2025-03-15", sick("2023-01-01", "2025-03-14"), "2025-12-31", 9,
                 id="crpe-sickness-three-years-binding"),
    pytest.param("2025-03-01", sick("2023-09-01", "2025-02-28"), "2026-08-31", 18,
                 id="crpe-sickness-three-years-equal-18-months"),
    pytest.param("2025-03-01", sick("2023-08-31", "2025-02-28"), "2026-08-30", 17,
                 id="crpe-sickness-three-years-one-day-shorter"),
    pytest.param("2025-03-11", sick("2022-03-20", "2025-03-10"), "2025-03-19", 0,
                 id="crpe-sickness-less-than-a-month-left"),
    pytest.param("2025-03-15", arret("maternite", "2023-01-01", "2025-03-14"),
                 "2025-12-31", 9, id="crpe-maternity-follows-sickness-branch"),
    pytest.param("2025-01-31", arret("accident_travail", "2024-01-10", "2025-01-30"),
                 "2026-07-30", 18, id="crpe-start-on-month-end"),
    pytest.param("2024-08-31", arret("accident_travail", "2024-01-10", "2024-08-30"),
                 "2026-02-27", 18, id="crpe-start-31-clamped-to-february"),
])
def test_crpe_latest_end(start: str, prior: Absence, latest_end: str, months: int) -> None:
    assert crpe_latest_end(d(start), prior) == (d(latest_end), months)


@pytest.mark.parametrize("start, prior, field", [
    pytest.param("2025-02-28", sick("2024-06-01", "2025-02-28"), "start",
                 id="crpe-starts-on-last-arret-day-refused"),
    pytest.param("2025-01-15", sick("2024-06-01", "2025-02-28"), "start",
                 id="crpe-during-arret-refused"),
    pytest.param("2025-01-02", sick("2021-01-01", "2024-12-31"), "start",
                 id="crpe-after-three-years-refused"),
    pytest.param("2024-03-01", sick("2021-02-28", "2024-02-29"), "start",
                 id="crpe-three-years-end-before-leap-day-refused"),
    pytest.param("2025-03-01", Absence(Cause.maladie, d("2025-02-01"), d("2025-01-01")),
                 "prior_absence.end", id="crpe-arret-end-before-start-refused"),
    pytest.param("2025-03-01", Absence("grippe", d("2025-01-01"), d("2025-02-01")),  # type: ignore[arg-type]
                 "prior_absence.cause", id="crpe-unknown-cause-refused"),
])
def test_crpe_refused(start: str, prior: Absence, field: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        crpe_latest_end(d(start), prior)
    assert caught.value.field == field
