"""The daily sweep finds its work through the database, and finds exactly the old scan's.

The reference is the sweep as it was: every employee with an arrêt running
today for the liaison meeting and the pré-reprise, every employee inside a
mid-career window (or the combined one) for the mid-career visit, each put
through the opening functions in a savepoint that is rolled back. The indexed
queries and the rules on their candidates must name the same employees, on
random cases and on the ones written out below.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scheduler.adapters import daily_queries
from services.scheduler.adapters.orm import Arret, Employee, Employer, Procedure, Spst
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases.errors import CaseError
from services.scheduler.domain.rules import InvalidSituation
from services.scheduler.domain.rules.mid_career import mid_career_visit
from services.scheduler.domain.workflows.schedule import paris_day
from services.scheduler.service_layer import sweeps
from shared.db import Database
from shared.web import database
from tests.integration.scheduler.conftest import Tenant, make_siret

KINDS = (sweeps.LIAISON_OPENED, sweeps.PRE_REPRISE_INFORMED, sweeps.MID_CAREER_OPENED)


def at_nine(day: date) -> datetime:
    """09:00 in Paris (winter or summer: 07:00 or 08:00 UTC, the same Paris day)."""
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)


class Cases:
    """Rows written straight into the tables, as any write path may leave them."""

    def __init__(self, app: Flask, spst_id: int) -> None:
        self.db: Database = database(app)
        self.spst_id = spst_id
        self.sirets = iter(range(20_000_000, 99_999_999))

    def employer(self, age: int = 45, spst_id: int | None = None) -> tuple[int, int]:
        spst = spst_id or self.spst_id
        with self.db.session() as session:
            row = Employer(spst_id=spst, name="Menuiserie Roux",
                           siret=make_siret(next(self.sirets)), headcount=40,
                           region="national", mid_career_age=age,
                           contact_email="rh@menuiserie.fr")
            session.add(row)
            session.flush()
            return spst, row.id

    def employee(self, employer: tuple[int, int], born: date | None = None,
                 returned: date | None = None) -> int:
        with self.db.session() as session:
            row = Employee(spst_id=employer[0], employer_id=employer[1], first_name="Paul",
                           last_name="Roux", phone="+33611223344", birth_date=born,
                           return_date=returned)
            session.add(row)
            session.flush()
            return row.id

    def spst_of(self, employee_id: int) -> int:
        with self.db.session() as session:
            row = session.get(Employee, employee_id)
            assert row is not None
            return row.spst_id

    def arret(self, employee_id: int, start: date, end: date,
              cause: str = "maladie") -> None:
        with self.db.session() as session:
            session.add(Arret(spst_id=self.spst_of(employee_id), employee_id=employee_id,
                              cause=cause, start=start, end=end))

    def procedure(self, employee_id: int, kind: str, anchor: date,
                  state: str = "informed") -> None:
        with self.db.session() as session:
            employee = session.get(Employee, employee_id)
            assert employee is not None
            session.add(Procedure(spst_id=employee.spst_id, employee_id=employee_id,
                                  employer_id=employee.employer_id, kind=kind, state=state,
                                  anchor=anchor, sequence=0, link_version=0,
                                  referent_handicap_consent=False, share_with_employer=False))


def reference(db: Database, now: datetime) -> dict[str, list[tuple[int, int]]]:
    """What the sweep that scanned everyone opened at ``now`` (nothing is kept)."""
    today = paris_day(now)
    found: dict[str, list[tuple[int, int]]] = {kind: [] for kind in KINDS}
    with db.session() as session:
        on_leave = sorted({(s, e) for s, e in session.execute(
            select(Arret.spst_id, Arret.employee_id)
            .where(Arret.start <= today, Arret.end >= today))})
        rows = session.execute(
            select(Employee.spst_id, Employee.id, Employee.birth_date, Employer.mid_career_age)
            .join(Employer, (Employer.spst_id == Employee.spst_id)
                  & (Employer.id == Employee.employer_id))
            .where(Employee.birth_date.is_not(None)))
        cohort = sorted(
            (spst, employee) for spst, employee, born, age in rows
            if any(window is not None and today in window
                   for window in (mid_career_visit(born, age).window,
                                  mid_career_visit(born, age).combined_window)))
        for kind, pairs in ((sweeps.LIAISON_OPENED, on_leave),
                            (sweeps.PRE_REPRISE_INFORMED, on_leave),
                            (sweeps.MID_CAREER_OPENED, cohort)):
            for spst_id, employee_id in pairs:
                savepoint = session.begin_nested()
                try:
                    if sweeps._one(CasesRepository(session, spst_id), employee_id, kind, now):
                        found[kind].append((spst_id, employee_id))
                except (CaseError, InvalidSituation):
                    pass
                finally:
                    savepoint.rollback()
        session.rollback()
    return found


def found_by_queries(db: Database, now: datetime) -> dict[str, list[tuple[int, int]]]:
    work = sweeps.find_daily_work(db, now)
    return {sweeps.LIAISON_OPENED: work.liaison, sweeps.PRE_REPRISE_INFORMED: work.pre_reprise,
            sweeps.MID_CAREER_OPENED: work.mid_career}


def candidates(db: Database, today: date) -> list[tuple[int, int]]:
    with db.session() as session:
        return sorted(set(daily_queries.on_leave_candidates(session, today))
                      | set(daily_queries.mid_career_candidates(session, today)))


@pytest.fixture
def cases(wf_app: Flask, spst: Tenant) -> Cases:
    return Cases(wf_app, spst.spst_id)


TODAY = date(2025, 6, 10)
D = timedelta(days=1)


def test_work_done_or_not_yet_possible_is_not_even_looked_at(cases: Cases) -> None:
    employer = cases.employer()
    # A chain of an arrêt and two prolongations, past its 31st day, both procedures open.
    chain = cases.employee(employer)
    cases.arret(chain, TODAY - 90 * D, TODAY - 61 * D)
    cases.arret(chain, TODAY - 60 * D, TODAY - 20 * D)
    cases.arret(chain, TODAY - 19 * D, TODAY + 30 * D)
    cases.procedure(chain, "liaison", TODAY - 90 * D)
    cases.procedure(chain, "pre_reprise", TODAY - 90 * D)
    # A short arrêt, and an earlier one more than a year ago.
    short = cases.employee(employer)
    cases.arret(short, TODAY - 5 * D, TODAY + 10 * D)
    cases.arret(short, TODAY - 500 * D, TODAY - 400 * D)
    # A long arrêt in its first days: the pré-reprise told, the liaison meeting not open yet.
    early = cases.employee(employer)
    cases.arret(early, TODAY - 10 * D, TODAY + 80 * D)
    cases.procedure(early, "pre_reprise", TODAY - 10 * D)
    # Someone in this year's mid-career window, already told.
    told = cases.employee(employer, born=date(1980, 2, 29))
    cases.procedure(told, "mid_career", date(2025, 1, 1), state="due")
    assert candidates(cases.db, TODAY) == []
    assert reference(cases.db, at_nine(TODAY)) == {kind: [] for kind in KINDS}


def test_chains_merged_by_a_late_arret_get_their_own_procedures(cases: Cases) -> None:
    employee = cases.employee(cases.employer())
    cases.arret(employee, TODAY - 80 * D, TODAY - 41 * D)
    cases.arret(employee, TODAY - 30 * D, TODAY + 30 * D)
    cases.procedure(employee, "liaison", TODAY - 30 * D)
    cases.procedure(employee, "pre_reprise", TODAY - 30 * D)
    assert candidates(cases.db, TODAY) == []
    cases.arret(employee, TODAY - 40 * D, TODAY - 31 * D)  # fills the gap: one chain
    pair = (cases.spst_id, employee)
    expected = {sweeps.LIAISON_OPENED: [pair], sweeps.PRE_REPRISE_INFORMED: [pair],
                sweeps.MID_CAREER_OPENED: []}
    assert found_by_queries(cases.db, at_nine(TODAY)) == expected
    assert reference(cases.db, at_nine(TODAY)) == expected


def test_the_discontinuous_basis_opens_the_meeting_on_its_day(cases: Cases) -> None:
    employee = cases.employee(cases.employer())
    cases.arret(employee, TODAY - 100 * D, TODAY - 81 * D)  # 20 days
    cases.arret(employee, TODAY - 10 * D, TODAY + 5 * D)  # the 11th day today: 31 in the year
    pair = (cases.spst_id, employee)
    yesterday = found_by_queries(cases.db, at_nine(TODAY - D))
    assert yesterday == {kind: [] for kind in KINDS}
    today = found_by_queries(cases.db, at_nine(TODAY))
    assert today == {sweeps.LIAISON_OPENED: [pair], sweeps.PRE_REPRISE_INFORMED: [],
                     sweeps.MID_CAREER_OPENED: []}
    assert reference(cases.db, at_nine(TODAY)) == today


def test_a_later_chain_is_the_one_the_pre_reprise_is_told_of(cases: Cases) -> None:
    employee = cases.employee(cases.employer())
    cases.arret(employee, TODAY - 40 * D, TODAY + 2 * D)
    cases.procedure(employee, "liaison", TODAY - 40 * D)
    cases.procedure(employee, "pre_reprise", TODAY - 40 * D)
    cases.arret(employee, TODAY + 10 * D, TODAY + 60 * D)  # announced, after a gap
    found = found_by_queries(cases.db, at_nine(TODAY))
    assert found[sweeps.PRE_REPRISE_INFORMED] == [(cases.spst_id, employee)]
    assert reference(cases.db, at_nine(TODAY)) == found


def test_a_meeting_opened_early_leaves_the_pre_reprise_to_the_sweep(cases: Cases) -> None:
    employee = cases.employee(cases.employer())
    cases.arret(employee, TODAY - 40 * D, TODAY + 5 * D)
    cases.procedure(employee, "liaison", TODAY - 40 * D)  # opened by the employer
    found = found_by_queries(cases.db, at_nine(TODAY))
    assert found == {sweeps.LIAISON_OPENED: [], sweeps.MID_CAREER_OPENED: [],
                     sweeps.PRE_REPRISE_INFORMED: [(cases.spst_id, employee)]}
    assert reference(cases.db, at_nine(TODAY)) == found


def test_nothing_after_the_return(cases: Cases) -> None:
    employee = cases.employee(cases.employer(), returned=TODAY)
    cases.arret(employee, TODAY - 60 * D, TODAY + 30 * D)
    assert found_by_queries(cases.db, at_nine(TODAY)) == {kind: [] for kind in KINDS}
    assert reference(cases.db, at_nine(TODAY)) == {kind: [] for kind in KINDS}


def test_mid_career_cohorts_by_branch_age_and_combined_setting(cases: Cases) -> None:
    with cases.db.session() as session:
        combined = Spst(name="SPST Gamma", mid_career_combined_window=True)
        session.add(combined)
        session.flush()
        combined_id = combined.id
    national, branch50 = cases.employer(45), cases.employer(50)
    early = cases.employer(45, spst_id=combined_id)
    due_45 = cases.employee(national, born=date(1980, 12, 31))
    due_50 = cases.employee(branch50, born=date(1975, 1, 1))
    cases.employee(branch50, born=date(1980, 6, 1))  # 45 this year, but the branch says 50
    combined_due = cases.employee(early, born=date(1981, 7, 1))  # combined window 2024-2025
    cases.employee(national, born=date(1981, 7, 1))  # the same, without the setting
    scheduled = cases.employee(national, born=date(1980, 3, 3))
    cases.procedure(scheduled, "mid_career", date(2023, 1, 1), state="scheduled")
    found = found_by_queries(cases.db, at_nine(TODAY))
    assert found[sweeps.MID_CAREER_OPENED] == sorted([
        (cases.spst_id, due_45), (cases.spst_id, due_50), (combined_id, combined_due)])
    assert reference(cases.db, at_nine(TODAY)) == found


# -- random cases -------------------------------------------------------------------


def _random_case(rng: random.Random, session: Session, employers: list[tuple[int, int]],
                 base: date) -> None:
    born = rng.choice([None, date(base.year - 45, rng.randint(1, 12), 1),
                       date(base.year - 44, 3, 1), date(base.year - 43, 5, 5),
                       date(base.year - 50, 7, 7), date(base.year - 46, 12, 31),
                       date(1990, 1, 1)])
    arrets: list[tuple[date, date]] = []
    day = base + rng.randint(-200, 20) * D
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
        length = rng.choice([3, 10, 20, 29, 30, 31, 45, 90, 200])
        arrets.append((day, day + (length - 1) * D))
        # next: a prolongation, an overlap, or a gap
        day = max(arrets[-1][0], day + rng.choice([length, length, length - 2, length + 1,
                                                   length + 3, length + 40]) * D)
    returned = None
    if arrets and rng.random() < 0.2:
        returned = arrets[-1][0] + rng.randint(-3, 60) * D
    spst_id, employer_id = rng.choice(employers)
    employee = Employee(spst_id=spst_id, employer_id=employer_id, first_name="Paul",
                        last_name="Roux", phone="+33611223344", birth_date=born,
                        return_date=returned)
    session.add(employee)
    session.flush()

    def procedure(kind: str, anchor: date, state: str = "informed") -> Procedure:
        return Procedure(spst_id=spst_id, employee_id=employee.id, employer_id=employer_id,
                         kind=kind, state=state, anchor=anchor, sequence=0, link_version=0,
                         referent_handicap_consent=False, share_with_employer=False)

    for start, end in arrets:
        session.add(Arret(spst_id=spst_id, employee_id=employee.id, start=start, end=end,
                          cause=rng.choice(["maladie", "accident_travail"])))
    for start in sorted({start for start, _end in arrets if rng.random() < 0.3}):
        session.add(procedure(rng.choice(["liaison", "pre_reprise"]), start))
    if born is not None and rng.random() < 0.3:
        session.add(procedure("mid_career", date(base.year + rng.choice([-1, 0]), 1, 1),
                              rng.choice(["due", "scheduled", "held"])))


@pytest.mark.parametrize("seed", [1, 2])
def test_random_cases_day_after_day(cases: Cases, seed: int) -> None:
    rng = random.Random(seed)
    with cases.db.session() as session:
        other = Spst(name="SPST Delta", mid_career_combined_window=True)
        session.add(other)
        session.flush()
        other_id = other.id
    employers = [cases.employer(45), cases.employer(50), cases.employer(45, spst_id=other_id)]
    base = date(2025, 12, 20)
    with cases.db.session() as session:
        for _ in range(40):
            _random_case(rng, session, employers, base)
    opened: dict[str, int] = {kind: 0 for kind in KINDS}
    for offset in (-60, -31, -1, 0, 1, 12, 13, 30, 45):
        now = at_nine(base + offset * D)
        expected = reference(cases.db, now)
        assert found_by_queries(cases.db, now) == expected, now
        report = sweeps.run_daily(cases.db, now).counts
        assert {kind: report.get(kind, 0) for kind in KINDS} == {
            kind: len(pairs) for kind, pairs in expected.items()}
        again = sweeps.run_daily(cases.db, now).counts
        assert not any(again.get(kind) for kind in KINDS)
        for kind in KINDS:
            opened[kind] += len(expected[kind])
    # The random cases did exercise every kind of work.
    assert all(opened.values()), opened
