"""Rendez-vous de liaison: eligibility, window, non-working days, référent handicap."""

from __future__ import annotations

from datetime import date

import pytest

from services.scheduler.domain.rules import Absence, Policy, Window
from services.scheduler.domain.rules.chains import build_chains
from services.scheduler.domain.rules.liaison import (
    liaison_eligibility,
    liaison_meeting,
    liaison_window,
)
from services.scheduler.domain.rules.policy import DEFAULT_POLICY
from tests.unit.scheduler.rules.builders import arret, d, sick, window

LONG_ARRET = sick("2025-03-03", "2025-05-31")


@pytest.mark.parametrize("absences, basis, eligible_from", [
    pytest.param([sick("2025-03-03", "2025-04-01")], None, None,
                 id="liaison-30-days-not-eligible"),
    pytest.param([sick("2025-03-03", "2025-04-02")], "continuous", "2025-04-02",
                 id="liaison-31-days-eligible"),
    pytest.param([sick("2025-03-03", "2025-03-20"), sick("2025-03-21", "2025-04-02")],
                 "continuous", "2025-04-02", id="liaison-prolongation-reaches-31-days"),
    pytest.param([sick("2025-03-03", "2025-03-20"), sick("2025-03-15", "2025-04-02")],
                 "continuous", "2025-04-02", id="liaison-overlapping-arrets"),
    pytest.param([sick("2025-03-03", "2025-03-20"), sick("2025-03-22", "2025-04-03")],
                 "discontinuous", "2025-04-03", id="liaison-gap-of-one-day-discontinuous"),
    pytest.param([sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                  sick("2025-05-05", "2025-05-16")], "discontinuous", "2025-05-11",
                 id="liaison-discontinuous-more-than-30-in-365-days"),
    pytest.param([sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                  sick("2025-05-05", "2025-05-10")], None, None,
                 id="liaison-discontinuous-exactly-30-not-eligible"),
    pytest.param([sick("2024-04-01", "2024-04-25"), sick("2025-04-01", "2025-04-10")],
                 None, None, id="liaison-discontinuous-old-days-drop-out"),
    pytest.param([sick("2025-01-06", "2025-01-25"), sick("2025-03-03", "2025-04-11")],
                 "continuous", "2025-04-02", id="liaison-continuous-basis-wins"),
    pytest.param([arret("maternite", "2025-03-03", "2025-04-11")], "continuous", "2025-04-02",
                 id="liaison-any-cause-counts"),
    pytest.param([sick("2024-02-01", "2024-03-02")], "continuous", "2024-03-02",
                 id="liaison-31-days-across-leap-february"),
    pytest.param([sick("2025-02-01", "2025-03-03")], "continuous", "2025-03-03",
                 id="liaison-31-days-across-february"),
    pytest.param([], None, None, id="liaison-no-arret"),
])
def test_liaison_eligibility(absences: list[Absence], basis: str | None,
                             eligible_from: str | None) -> None:
    assert liaison_eligibility(build_chains(absences)) == (
        basis, d(eligible_from) if eligible_from else None)


@pytest.mark.parametrize("requested, notified, arret_end, expected", [
    pytest.param("2025-04-07", None, "2025-05-31", ("2025-04-15", "2025-04-22"),
                 id="liaison-window-spst-told-at-once-by-default"),
    pytest.param("2025-04-07", "2025-04-07", "2025-05-31", ("2025-04-15", "2025-04-22"),
                 id="liaison-window-spst-told-same-day"),
    pytest.param("2025-04-07", "2025-04-16", "2025-05-31", ("2025-04-24", "2025-04-22"),
                 id="liaison-window-spst-told-late-impossible"),
    pytest.param("2025-04-07", "2025-04-14", "2025-05-31", ("2025-04-22", "2025-04-22"),
                 id="liaison-window-one-day-left"),
    pytest.param("2025-04-07", "2025-04-15", "2025-05-31", ("2025-04-23", "2025-04-22"),
                 id="liaison-window-one-day-too-late"),
    pytest.param("2025-04-07", "2025-04-01", "2025-05-31", ("2025-04-09", "2025-04-22"),
                 id="liaison-window-spst-told-before-request"),
    pytest.param("2025-04-07", "2025-03-20", "2025-05-31", ("2025-04-08", "2025-04-22"),
                 id="liaison-window-never-on-request-day"),
    pytest.param("2025-04-07", None, "2025-04-18", ("2025-04-15", "2025-04-18"),
                 id="liaison-window-ends-with-arret"),
    pytest.param("2025-04-07", None, "2025-04-14", ("2025-04-15", "2025-04-14"),
                 id="liaison-window-arret-ends-first-impossible"),
    pytest.param("2025-04-07", None, None, ("2025-04-15", "2025-04-22"),
                 id="liaison-window-arret-end-unknown"),
    pytest.param("2024-02-20", None, "2024-12-31", ("2024-02-28", "2024-03-06"),
                 id="liaison-window-across-leap-day"),
])
def test_liaison_window(requested: str, notified: str | None, arret_end: str | None,
                        expected: tuple[str, str]) -> None:
    found = liaison_window(d(requested), d(notified) if notified else None,
                           d(arret_end) if arret_end else None)
    assert found == window(*expected)


def meeting(absences: list[Absence], requested: str | None = "2025-04-07",
            notified: str | None = None, *, headcount: int | None = None,
            consent: bool = False, region: str = "national",
            policy: Policy = DEFAULT_POLICY) -> tuple[Window | None, str | None, tuple[date, ...]]:
    found = liaison_meeting(
        build_chains(absences), requested_on=d(requested) if requested else None,
        spst_notified_on=d(notified) if notified else None, headcount=headcount,
        referent_handicap_consent=consent, region=region, policy=policy)
    return found.window, found.window_status, found.non_working_days


@pytest.mark.parametrize("absences, requested, notified, region, status, days", [
    pytest.param([LONG_ARRET], "2025-04-07", None, "national", "open",
                 ("2025-04-19", "2025-04-20", "2025-04-21"),
                 id="liaison-easter-monday-is-not-working"),
    pytest.param([LONG_ARRET], "2025-04-07", None, "alsace-moselle", "open",
                 ("2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21"),
                 id="liaison-good-friday-not-working-in-alsace"),
    pytest.param([LONG_ARRET], "2025-04-07", "2025-04-16", "national", "impossible", (),
                 id="liaison-impossible-has-no-days"),
    pytest.param([LONG_ARRET], None, None, "national", None, (),
                 id="liaison-no-request-no-window"),
    pytest.param([], "2025-04-07", None, "national", "open",
                 ("2025-04-19", "2025-04-20", "2025-04-21"),
                 id="liaison-request-without-arret-still-windowed"),
])
def test_liaison_meeting_window(absences: list[Absence], requested: str | None,
                                notified: str | None, region: str, status: str | None,
                                days: tuple[str, ...]) -> None:
    found_window, found_status, found_days = meeting(absences, requested, notified,
                                                     region=region)
    assert found_status == status
    assert (found_window is None) is (requested is None)
    assert found_days == tuple(d(day) for day in days)


@pytest.mark.parametrize("headcount, consent, policy, allowed, invited", [
    pytest.param(250, True, Policy(), True, False, id="referent-250-consent-not-invited-default"),
    pytest.param(250, True, Policy(invite_referent_handicap=True), True, True,
                 id="referent-invited-when-policy-says-so"),
    pytest.param(249, True, Policy(invite_referent_handicap=True), False, False,
                 id="referent-249-employees-not-allowed"),
    pytest.param(None, True, Policy(invite_referent_handicap=True), False, False,
                 id="referent-headcount-unknown-not-allowed"),
    pytest.param(5000, False, Policy(invite_referent_handicap=True), False, False,
                 id="referent-without-consent-not-allowed"),
])
def test_referent_handicap(headcount: int | None, consent: bool, policy: Policy,
                           allowed: bool, invited: bool) -> None:
    found = liaison_meeting(build_chains([LONG_ARRET]), requested_on=None,
                            spst_notified_on=None, headcount=headcount,
                            referent_handicap_consent=consent, region="national",
                            policy=policy)
    assert (found.referent_handicap_allowed, found.referent_handicap_invited) == (
        allowed, invited)


def test_liaison_window_never_starts_before_the_arret() -> None:
    """The meeting happens during the arrêt: a request made in advance gets no earlier day."""
    arret = sick("2025-03-03", "2025-05-30")
    found_window, found_status, _ = meeting([arret], "2025-02-20", None)
    assert found_status == "open"
    assert found_window == Window(d("2025-03-03"), d("2025-03-07"))


def test_liaison_window_requested_long_before_the_arret_is_impossible() -> None:
    arret = sick("2025-03-03", "2025-05-30")
    found_window, found_status, _ = meeting([arret], "2025-02-01", None)
    assert found_status == "impossible"
    assert found_window == Window(d("2025-03-03"), d("2025-02-16"))
