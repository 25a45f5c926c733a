"""Refusing situations that cannot be evaluated, naming the API field."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scheduler.domain.rules import Absence, Cause, InvalidSituation, Situation
from services.scheduler.domain.rules.situation import check_situation, checked_absences
from tests.unit.scheduler.rules.builders import d, sick

BASE = Situation(as_of=d("2025-04-07"))


@pytest.mark.parametrize("absences, field", [
    pytest.param((sick("2025-01-01", "2025-01-10"), sick("2025-02-01", "2025-02-10"),
                  Absence(Cause.maladie, d("2025-03-10"), d("2025-03-09"))),
                 "absences[2].end", id="situation-end-before-start-names-index"),
    pytest.param((Absence("grippe", d("2025-01-01"), d("2025-01-02")),),  # type: ignore[arg-type]
                 "absences[0].cause", id="situation-unknown-cause"),
])
def test_bad_absences_are_refused(absences: tuple[Absence, ...], field: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        checked_absences(absences)
    assert caught.value.field == field
    assert str(caught.value).startswith(field)


def test_causes_given_as_strings_become_causes() -> None:
    [absence] = checked_absences((Absence("maladie", d("2025-01-01"), d("2025-01-01")),))  # type: ignore[arg-type]
    assert absence.cause is Cause.maladie
    assert absence.days == 1


@pytest.mark.parametrize("changes, field", [
    pytest.param({"region": "Alsace"}, "region", id="situation-unknown-region"),
    pytest.param({"headcount": -1}, "employer.headcount", id="situation-negative-headcount"),
    pytest.param({"branch_age": 1}, "employee.branch_age", id="situation-branch-age-too-low"),
    pytest.param({"branch_age": 121}, "employee.branch_age", id="situation-branch-age-too-high"),
    pytest.param({"birth_date": d("2025-04-08")}, "employee.birth_date",
                 id="situation-born-after-as-of"),
])
def test_bad_facts_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidSituation) as caught:
        check_situation(replace(BASE, **changes))  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("changes", [
    pytest.param({}, id="situation-defaults-accepted"),
    pytest.param({"headcount": 0, "branch_age": 45, "region": "alsace-moselle",
                  "birth_date": d("2025-04-07")}, id="situation-edges-accepted"),
])
def test_good_facts_pass(changes: dict[str, object]) -> None:
    check_situation(replace(BASE, **changes))  # type: ignore[arg-type]
