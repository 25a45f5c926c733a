"""Chains of arrêts: prolongations, gaps, overlaps, the 365-day count."""

from __future__ import annotations

import pytest

from services.scheduler.domain.rules import Absence, Cause, CurrentAbsence
from services.scheduler.domain.rules.chains import (
    arret_days_between,
    arret_days_in_year_to,
    build_chains,
    current_chain,
    cut_at_return,
    discontinuous_threshold_day,
)
from tests.unit.scheduler.rules.builders import arret, chain_of, d, sick


@pytest.mark.parametrize("absences, expected", [
    pytest.param([], [], id="chain-none"),
    pytest.param([sick("2025-03-03", "2025-04-01")], [("2025-03-03", "2025-04-01", 30)],
                 id="chain-single-arret"),
    pytest.param([sick("2025-03-03", "2025-03-31"), sick("2025-04-01", "2025-04-10")],
                 [("2025-03-03", "2025-04-10", 39)], id="chain-prolongation-next-day"),
    pytest.param([sick("2025-03-01", "2025-03-10"), sick("2025-03-12", "2025-03-20")],
                 [("2025-03-01", "2025-03-10", 10), ("2025-03-12", "2025-03-20", 9)],
                 id="chain-gap-of-one-day-separates"),
    pytest.param([sick("2025-03-01", "2025-03-20"), sick("2025-03-10", "2025-03-31")],
                 [("2025-03-01", "2025-03-31", 31)], id="chain-overlap-counted-once"),
    pytest.param([sick("2025-03-01", "2025-03-31"), sick("2025-03-05", "2025-03-10")],
                 [("2025-03-01", "2025-03-31", 31)], id="chain-contained-arret"),
    pytest.param([sick("2025-04-01", "2025-04-10"), sick("2025-03-03", "2025-03-31")],
                 [("2025-03-03", "2025-04-10", 39)], id="chain-unsorted-input"),
    pytest.param([sick("2025-03-01", "2025-03-31"), sick("2025-03-01", "2025-03-31")],
                 [("2025-03-01", "2025-03-31", 31)], id="chain-duplicate-arret"),
    pytest.param([sick("2025-03-01", "2025-03-05"), sick("2025-03-01", "2025-03-20")],
                 [("2025-03-01", "2025-03-20", 20)], id="chain-same-start"),
    pytest.param([sick("2025-06-01", "2025-06-05"), sick("2025-01-01", "2025-01-05"),
                  sick("2025-03-01", "2025-03-05")],
                 [("2025-01-01", "2025-01-05", 5), ("2025-03-01", "2025-03-05", 5),
                  ("2025-06-01", "2025-06-05", 5)], id="chain-three-unsorted"),
    pytest.param([sick("2024-12-20", "2024-12-31"), sick("2025-01-01", "2025-01-10")],
                 [("2024-12-20", "2025-01-10", 22)], id="chain-across-year-end"),
    pytest.param([sick("2024-02-28", "2024-02-29"), sick("2024-03-01", "2024-03-01")],
                 [("2024-02-28", "2024-03-01", 3)], id="chain-across-leap-day"),
    pytest.param([sick("2025-02-28", "2025-02-28"), sick("2025-03-01", "2025-03-01")],
                 [("2025-02-28", "2025-03-01", 2)], id="chain-across-february-end"),
    pytest.param([sick("2025-03-01", "2025-03-31"), sick("2025-03-05", "2025-03-10"),
                  sick("2025-04-01", "2025-04-02")],
                 [("2025-03-01", "2025-04-02", 33)], id="chain-prolongs-longest-not-last"),
])
def test_build_chains(absences: list[Absence], expected: list[tuple[str, str, int]]) -> None:
    chains = build_chains(absences)
    assert [(c.start, c.end, c.days) for c in chains] == [
        (d(start), d(end), days) for start, end, days in expected]


@pytest.mark.parametrize("absences, expected", [
    pytest.param([sick("2025-03-01", "2025-03-31"),
                  arret("accident_travail", "2025-04-01", "2025-04-10")],
                 Cause.accident_travail, id="chain-cause-most-protective"),
    pytest.param([arret("maternite", "2025-01-01", "2025-03-31"),
                  sick("2025-04-01", "2025-04-10")],
                 Cause.maternite, id="chain-cause-maternity-then-sickness"),
    pytest.param([arret("accident_travail", "2025-01-01", "2025-01-10"),
                  sick("2025-01-12", "2025-02-28")],
                 Cause.maladie, id="chain-cause-only-current-chain"),
])
def test_current_chain_cause(absences: list[Absence], expected: Cause) -> None:
    assert chain_of(*absences).cause is expected


def test_current_absence_view() -> None:
    chain = chain_of(sick("2025-03-03", "2025-04-01"))
    assert CurrentAbsence.of(chain) == CurrentAbsence(
        d("2025-03-03"), d("2025-04-01"), 30, Cause.maladie)
    assert current_chain(()) is None


@pytest.mark.parametrize("absences, day, expected", [
    pytest.param([sick("2025-03-01", "2025-03-31")], "2025-12-31", 31,
                 id="count-365-inside"),
    pytest.param([sick("2024-12-20", "2025-01-10")], "2025-12-31", 10,
                 id="count-365-clips-straddling-arret"),
    pytest.param([sick("2024-01-01", "2024-01-05")], "2024-12-31", 4,
                 id="count-365-leap-year-starts-on-2-january"),
    pytest.param([sick("2024-12-01", "2024-12-31")], "2025-12-31", 0,
                 id="count-365-before-window"),
    pytest.param([sick("2025-03-01", "2025-03-20"), sick("2025-03-10", "2025-03-31")],
                 "2025-12-31", 31, id="count-365-overlap-once"),
    pytest.param([sick("2025-12-20", "2026-01-10")], "2025-12-31", 12,
                 id="count-365-clips-after-day"),
])
def test_arret_days_in_year_to(absences: list[Absence], day: str, expected: int) -> None:
    assert arret_days_in_year_to(build_chains(absences), d(day)) == expected


def test_arret_days_between_both_bounds_inclusive() -> None:
    chains = build_chains([sick("2025-03-01", "2025-03-31")])
    assert arret_days_between(chains, d("2025-03-31"), d("2025-03-31")) == 1
    assert arret_days_between(chains, d("2025-04-01"), d("2025-04-30")) == 0


@pytest.mark.parametrize("absences, expected", [
    pytest.param([sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                  sick("2025-05-05", "2025-05-16")], "2025-05-11",
                 id="discontinuous-three-times-12-days"),
    pytest.param([sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                  sick("2025-05-05", "2025-05-10")], None,
                 id="discontinuous-exactly-30-not-more"),
    pytest.param([sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                  sick("2025-05-05", "2025-05-11")], "2025-05-11",
                 id="discontinuous-31-on-last-day"),
    pytest.param([sick("2024-04-01", "2024-05-15"), sick("2025-04-10", "2025-04-21")],
                 "2025-04-10", id="discontinuous-old-arret-clipped-still-counts"),
    pytest.param([sick("2024-04-01", "2024-04-25"), sick("2025-04-01", "2025-04-10")], None,
                 id="discontinuous-days-beyond-365-not-counted"),
    pytest.param([sick("2025-03-03", "2025-03-20"), sick("2025-03-22", "2025-04-03")],
                 "2025-04-03", id="discontinuous-gap-of-one-day"),
    pytest.param([], None, id="discontinuous-no-arret"),
])
def test_discontinuous_threshold_day(absences: list[Absence], expected: str | None) -> None:
    found = discontinuous_threshold_day(build_chains(absences), 30)
    assert found == (d(expected) if expected else None)


@pytest.mark.parametrize("absences, returned, expected", [
    pytest.param([sick("2025-03-01", "2025-03-31")], "2025-03-20",
                 [("2025-03-01", "2025-03-19")], id="early-return-cuts-arret"),
    pytest.param([sick("2025-03-01", "2025-03-31"), sick("2025-04-01", "2025-04-30")],
                 "2025-04-10", [("2025-03-01", "2025-03-31"), ("2025-04-01", "2025-04-09")],
                 id="early-return-cuts-prolongation"),
    pytest.param([sick("2025-03-01", "2025-03-31"), sick("2025-04-01", "2025-04-30")],
                 "2025-04-01", [("2025-03-01", "2025-03-31")],
                 id="early-return-drops-later-prolongation"),
])
def test_cut_at_return(absences: list[Absence], returned: str,
                       expected: list[tuple[str, str]]) -> None:
    cut = cut_at_return(absences, d(returned))
    assert [(a.start, a.end) for a in cut] == [(d(s), d(e)) for s, e in expected]
