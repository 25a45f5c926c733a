"""The whole evaluation: the worked examples of rules.md, as_of, warnings, errors."""

from __future__ import annotations

from typing import Any

import pytest

from services.scheduler.domain.rules import (
    Absence,
    Cause,
    CurrentAbsence,
    Evaluation,
    InvalidSituation,
    Policy,
    Situation,
    evaluate,
)
from services.scheduler.domain.rules.policy import DEFAULT_POLICY
from tests.unit.scheduler.rules.builders import arret, d, sick, window

AS_OF = d("2025-04-07")
LONG_ARRET = sick("2025-03-03", "2025-05-31")


def run(*absences: Absence, policy: Policy = DEFAULT_POLICY, **facts: Any) -> Evaluation:
    given: dict[str, Any] = {
        key: d(value) if isinstance(value, str) and key != "region" else value
        for key, value in facts.items()}
    given.setdefault("as_of", AS_OF)
    return evaluate(Situation(absences=absences, **given), policy)


def codes(evaluation: Evaluation) -> list[str]:
    return [warning.code for warning in evaluation.warnings]


# -- the worked examples of rules.md -----------------------------------------


@pytest.mark.parametrize("end, eligible, eligible_from", [
    pytest.param("2025-04-01", False, None, id="example-sickness-30-days-liaison-not-eligible"),
    pytest.param("2025-04-02", True, "2025-04-02", id="example-extended-31-days-eligible"),
])
def test_example_liaison_eligibility(end: str, eligible: bool,
                                     eligible_from: str | None) -> None:
    found = run(sick("2025-03-03", end)).liaison_meeting
    assert found.eligible is eligible
    assert found.eligible_from == (d(eligible_from) if eligible_from else None)
    assert found.basis == ("continuous" if eligible else None)


def test_example_liaison_window_with_easter_monday() -> None:
    found = run(LONG_ARRET, liaison_requested_on="2025-04-07",
                liaison_spst_notified_on="2025-04-07")
    meeting = found.liaison_meeting
    assert meeting.window == window("2025-04-15", "2025-04-22")
    assert meeting.window_status == "open"
    assert d("2025-04-21") in meeting.non_working_days
    assert found.warnings == ()


def test_example_liaison_window_impossible() -> None:
    found = run(LONG_ARRET, liaison_requested_on="2025-04-07",
                liaison_spst_notified_on="2025-04-16")
    meeting = found.liaison_meeting
    assert meeting.window == window("2025-04-24", "2025-04-22")
    assert meeting.window_status == "impossible"
    assert meeting.non_working_days == ()
    assert codes(found) == ["liaison_window_impossible"]


@pytest.mark.parametrize("absence, returned, required, rule, expected_window, inform", [
    pytest.param(sick("2025-01-01", "2025-03-01"), "2025-03-03", True, "maladie>=60",
                 ("2025-03-03", "2025-03-11"), False, id="example-sickness-60-days-reprise"),
    pytest.param(arret("accident_travail", "2025-06-02", "2025-07-01"), "2025-07-02", True,
                 "accident_travail>=30", ("2025-07-02", "2025-07-10"), False,
                 id="example-work-accident-30-days-reprise"),
    pytest.param(arret("accident_travail", "2025-06-02", "2025-06-30"), "2025-07-02", False,
                 None, None, True, id="example-work-accident-29-days-physician-informed"),
])
def test_example_reprise(absence: Absence, returned: str, required: bool, rule: str | None,
                         expected_window: tuple[str, str] | None, inform: bool) -> None:
    found = run(absence, return_date=returned, as_of=returned).reprise_visit
    assert (found.required, found.rule, found.inform_physician) == (required, rule, inform)
    assert found.window == (window(*expected_window) if expected_window else None)


def test_example_mid_career_born_on_leap_day() -> None:
    found = run(birth_date="1980-02-29", branch_age=45).mid_career_visit
    assert found.window == window("2025-01-01", "2025-12-31")
    assert found.combined_window == window("2023-01-01", "2024-12-31")


def test_example_inaptitude_month_end() -> None:
    found = run(inaptitude_opinion_on="2024-01-31", as_of="2024-01-31").inaptitude
    assert found is not None
    assert found.salary_resumes_on == d("2024-02-29")


# -- the whole answer ----------------------------------------------------------


def test_nothing_known_nothing_due() -> None:
    found = run()
    assert found.current_absence is None
    assert not found.liaison_meeting.eligible
    assert found.liaison_meeting.window is None
    assert found.liaison_meeting.non_working_days == ()
    assert not found.reprise_visit.required
    assert not found.pre_reprise_visit.eligible
    assert found.mid_career_visit.window is None
    assert found.inaptitude is None
    assert found.warnings == ()


def test_current_absence_is_the_latest_chain_of_unsorted_arrets() -> None:
    found = run(sick("2025-03-21", "2025-04-02"), sick("2025-01-06", "2025-01-10"),
                arret("accident_travail", "2025-03-03", "2025-03-20"))
    assert found.current_absence == CurrentAbsence(
        d("2025-03-03"), d("2025-04-02"), 31, Cause.accident_travail)


def test_discontinuous_basis_through_evaluate() -> None:
    found = run(sick("2025-01-06", "2025-01-17"), sick("2025-03-03", "2025-03-14"),
                sick("2025-05-05", "2025-05-16"), as_of="2025-05-06").liaison_meeting
    assert (found.eligible, found.basis, found.eligible_from) == (
        True, "discontinuous", d("2025-05-11"))


def test_policy_reaches_the_rules() -> None:
    trajet = arret("accident_trajet", "2025-06-02", "2025-07-01")
    assert not run(trajet).reprise_visit.required
    found = run(trajet, policy=Policy(accident_trajet_follows=Cause.accident_travail))
    assert found.reprise_visit.rule == "accident_trajet>=30"


# -- what as_of changes --------------------------------------------------------


@pytest.mark.parametrize("as_of, returned, eligible", [
    pytest.param("2025-04-14", None, True, id="as-of-pre-reprise-during-arret"),
    pytest.param("2025-05-31", None, True, id="as-of-pre-reprise-last-day"),
    pytest.param("2025-06-01", None, False, id="as-of-pre-reprise-after-arret"),
    pytest.param("2025-04-14", "2025-04-15", True, id="as-of-pre-reprise-eve-of-early-return"),
    pytest.param("2025-04-15", "2025-04-15", False, id="as-of-pre-reprise-never-on-return"),
    pytest.param("2025-04-20", "2025-04-15", False, id="as-of-pre-reprise-never-after-return"),
])
def test_pre_reprise_closes_at_the_return(as_of: str, returned: str | None,
                                          eligible: bool) -> None:
    found = run(LONG_ARRET, as_of=as_of, return_date=returned).pre_reprise_visit
    assert found.eligible is eligible


@pytest.mark.parametrize("as_of, due_at_once", [
    pytest.param("2025-12-31", False, id="as-of-mid-career-last-day-of-year"),
    pytest.param("2026-01-01", True, id="as-of-mid-career-year-over-due-at-once"),
])
def test_mid_career_due_at_once(as_of: str, due_at_once: bool) -> None:
    found = run(birth_date="1980-02-29", as_of=as_of)
    assert ("mid_career_due_at_once" in codes(found)) is due_at_once


# -- early return ----------------------------------------------------------------


def test_early_return_cuts_the_chain_everywhere() -> None:
    found = run(LONG_ARRET, return_date="2025-04-18", liaison_requested_on="2025-04-07")
    assert found.current_absence == CurrentAbsence(
        d("2025-03-03"), d("2025-04-17"), 46, Cause.maladie)
    assert found.liaison_meeting.window == window("2025-04-15", "2025-04-17")
    assert not found.reprise_visit.required  # 46 days of sickness
    assert codes(found) == ["early_return"]


def test_early_return_below_31_days_closes_liaison() -> None:
    found = run(LONG_ARRET, return_date="2025-04-01", as_of="2025-03-20")
    assert found.current_absence is not None and found.current_absence.days == 29
    assert not found.liaison_meeting.eligible
    assert not found.pre_reprise_visit.eligible


def test_return_the_day_after_is_no_early_return() -> None:
    found = run(LONG_ARRET, return_date="2025-06-01")
    assert "early_return" not in codes(found)
    assert found.reprise_visit.window == window("2025-06-01", "2025-06-09")


# -- warnings --------------------------------------------------------------------


@pytest.mark.parametrize("absences, facts, expected", [
    pytest.param([sick("2025-02-01", "2025-04-29")], {"return_date": "2025-04-30"},
                 ["dernier jour de la visite de reprise"], id="warn-reprise-ends-on-8-may"),
    pytest.param([sick("2025-03-07", "2025-04-30")], {},
                 ["information du salarié"], id="warn-liaison-eligibility-on-sunday"),
    pytest.param([LONG_ARRET], {"liaison_requested_on": "2025-04-06"},
                 ["dernier jour du rendez-vous de liaison"], id="warn-liaison-ends-easter-monday"),
    pytest.param([LONG_ARRET], {"liaison_requested_on": "2025-04-03"}, [],
                 id="warn-liaison-ends-good-friday-national-not"),
    pytest.param([LONG_ARRET], {"liaison_requested_on": "2025-04-03",
                                "region": "alsace-moselle"},
                 ["dernier jour du rendez-vous de liaison"],
                 id="warn-liaison-ends-good-friday-alsace"),
    pytest.param([], {"inaptitude_opinion_on": "2025-04-01"}, ["inaptitude"],
                 id="warn-inaptitude-salary-on-1-may"),
    pytest.param([], {"inaptitude_opinion_on": "2025-05-14"}, [],
                 id="warn-inaptitude-saturday-not"),
    pytest.param([], {"inaptitude_opinion_on": "2025-05-15"}, ["inaptitude"],
                 id="warn-inaptitude-salary-on-sunday"),
    pytest.param([], {"birth_date": "1983-06-01"}, ["mi-carrière"],
                 id="warn-mid-career-year-ends-sunday"),
    pytest.param([], {"birth_date": "1980-06-01"}, [],
                 id="warn-mid-career-year-ends-wednesday"),
])
def test_deadline_on_non_working_day(absences: list[Absence], facts: dict[str, Any],
                                     expected: list[str]) -> None:
    found = run(*absences, **facts)
    deadline = [w.message for w in found.warnings if w.code == "deadline_non_working_day"]
    assert len(deadline) == len(expected)
    for message, label in zip(deadline, expected, strict=True):
        assert label in message


def test_deadline_is_reported_not_moved() -> None:
    found = run(sick("2025-02-01", "2025-04-29"), return_date="2025-04-30")
    assert found.reprise_visit.window == window("2025-04-30", "2025-05-08")


@pytest.mark.parametrize("absences, facts, code", [
    pytest.param([sick("2025-03-03", "2025-03-20")], {"liaison_requested_on": "2025-03-10"},
                 "liaison_not_eligible", id="warn-liaison-requested-not-eligible"),
    pytest.param([LONG_ARRET], {"headcount": 100, "referent_handicap_consent": True},
                 "referent_handicap_not_allowed", id="warn-referent-small-company"),
    pytest.param([LONG_ARRET], {"return_date": "2025-05-01"}, "early_return",
                 id="warn-early-return"),
])
def test_other_warnings(absences: list[Absence], facts: dict[str, Any], code: str) -> None:
    assert code in codes(run(*absences, **facts))


# -- refused situations ------------------------------------------------------------


@pytest.mark.parametrize("absences, facts, field", [
    pytest.param([sick("2025-01-01", "2025-01-10"), sick("2025-03-10", "2025-03-09")], {},
                 "absences[1].end", id="refuse-end-before-start"),
    pytest.param([], {"region": "bretagne"}, "region", id="refuse-unknown-region"),
    pytest.param([LONG_ARRET], {"return_date": "2025-03-03"}, "return_date",
                 id="refuse-return-on-first-day-of-arret"),
    pytest.param([sick("2025-01-06", "2025-01-10"), LONG_ARRET], {"return_date": "2025-01-11"},
                 "return_date", id="refuse-return-before-current-chain"),
    pytest.param([], {"birth_date": "2030-01-01"}, "employee.birth_date",
                 id="refuse-birth-in-the-future"),
])
def test_refused(absences: list[Absence], facts: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        run(*absences, **facts)
    assert caught.value.field == field
