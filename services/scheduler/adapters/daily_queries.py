"""The daily sweep's queries: who may have new work today, found by the database.

The sweep never reads the whole population. Two indexed queries return the
employees who *may* be due today, a superset of those the rules will find due
(never fewer), and :func:`cases_of` loads their facts in batches so that the
rules decide (``service_layer/sweeps.py``).

**On leave** (liaison meeting, pré-reprise information): employees with an
arrêt running today (index ``ix_arrets_end_date_start_date_spst_id_employee_id``),
their arrêts grouped into chains by the database, minus those whose work is
provably done or not yet possible:

- the liaison meeting is settled when a liaison procedure is anchored at the
  start ``s`` of the chain running today, or when fewer than 31 days off lie
  in the 365 days ending today (summing the arrêts' days counts an overlap
  twice, so the sum is an upper bound): then no basis, continuous or
  discontinuous, makes the employee eligible on or before today;
- the pré-reprise is settled when a pré-reprise procedure is anchored at
  ``s`` and no later chain follows (the rules anchor it at the latest
  chain), or when the days off from a year ago onwards, future arrêts
  included, sum to 30 or less (then no chain after that point is longer
  than 30 days, and an earlier one cannot reach today).

A chain starts at an arrêt whose first day is not covered by an earlier arrêt
(the previous ends' running maximum, ordered by start: a window function);
``s`` is the latest such start on or before today.

**Mid-career**: for each branch age in use (read from the index on
``employers.mid_career_age``, one probe per distinct age), the employees born
in a year whose mid-career window, or combined window on the SPST's setting,
contains today: a range of ``employees.birth_date`` read from the index
``ix_employees_birth_date_spst_id_employer_id_id`` alone, minus those whose
procedure for that window exists or whose visit is scheduled or held.

Both run the same on PostgreSQL and SQLite: the little date arithmetic they
need is compiled for each (:class:`DayAfter`, :class:`DaysFrom`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from services.scheduler.adapters.orm import Arret, Employee, Employer, Procedure, Spst
from services.scheduler.domain.rules.chains import LOOKBACK_DAYS
from services.scheduler.domain.rules.liaison import MORE_THAN_DAYS as LIAISON_DAYS
from services.scheduler.domain.rules.mid_career import COMBINED_YEARS_EARLY, mid_career_visit
from services.scheduler.domain.rules.pre_reprise import MORE_THAN_DAYS as PRE_REPRISE_DAYS
from services.scheduler.domain.workflows import states

#: Employees whose facts are loaded by one round of queries.
BATCH = 500


class DayAfter(FunctionElement[date]):
    """``day + 1``, a date column."""

    type = Date()
    name = "day_after"
    inherit_cache = True


@compiles(DayAfter)
def _day_after(element: DayAfter, compiler: SQLCompiler, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} + 1)"


@compiles(DayAfter, "sqlite")
def _day_after_sqlite(element: DayAfter, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+1 day')"


class DaysFrom(FunctionElement[int]):
    """``last - first + 1``: the days from ``first`` to ``last``, both included."""

    type = Integer()
    name = "days_from"
    inherit_cache = True


@compiles(DaysFrom)
def _days_from(element: DaysFrom, compiler: SQLCompiler, **kw: Any) -> str:
    first, last = (compiler.process(c, **kw) for c in element.clauses)
    return f"({last} - {first} + 1)"


@compiles(DaysFrom, "sqlite")
def _days_from_sqlite(element: DaysFrom, compiler: SQLCompiler, **kw: Any) -> str:
    first, last = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({last}) - julianday({first}) + 1 AS INTEGER)"


def _day(value: date) -> ColumnElement[date]:
    return literal(value, Date())


def _later(column: ColumnElement[date], bound: date) -> ColumnElement[date]:
    return case((column < _day(bound), _day(bound)), else_=column)


def _earlier(column: ColumnElement[date], bound: date) -> ColumnElement[date]:
    return case((column > _day(bound), _day(bound)), else_=column)


# -- on leave -----------------------------------------------------------------------


def on_leave_candidates(session: Session, today: date) -> list[tuple[int, int]]:
    """``(spst_id, employee_id)`` on leave today whose liaison or pré-reprise may be due."""
    year_ago = today - timedelta(days=LOOKBACK_DAYS)  # a chain older than this is long
    window_start = today - timedelta(days=LOOKBACK_DAYS - 1)  # the 365 days ending today
    arret, running = aliased(Arret), aliased(Arret)
    on_leave = exists().where(running.spst_id == arret.spst_id,
                              running.employee_id == arret.employee_id,
                              running.end >= today, running.start <= today)
    previous_end = func.max(arret.end).over(
        partition_by=(arret.spst_id, arret.employee_id), order_by=(arret.start, arret.end),
        rows=(None, -1))
    ordered = (select(arret.spst_id, arret.employee_id, arret.start.label("first"),
                      arret.end.label("last"), previous_end.label("previous_end"))
               .where(on_leave).cte("ordered"))
    o = ordered.c
    starts_chain = or_(o.previous_end.is_(None), DayAfter(o.previous_end) < o.first)
    chains = (select(
        o.spst_id, o.employee_id,
        func.max(case((and_(starts_chain, o.first <= _day(today)), o.first))).label("start"),
        func.sum(case((and_(starts_chain, o.first > _day(today)), 1), else_=0)).label("later"),
        func.sum(case((and_(o.last >= _day(window_start), o.first <= _day(today)),
                       DaysFrom(_later(o.first, window_start), _earlier(o.last, today))),
                      else_=0)).label("in_year"),
        func.sum(case((o.last >= _day(year_ago), DaysFrom(_later(o.first, year_ago), o.last)),
                      else_=0)).label("since_year_ago"),
    ).group_by(o.spst_id, o.employee_id).cte("chains"))
    c = chains.c
    liaison, pre_reprise = aliased(Procedure), aliased(Procedure)

    def anchored(procedure: Any, kind: str) -> ColumnElement[bool]:
        return and_(procedure.spst_id == c.spst_id, procedure.employee_id == c.employee_id,
                    procedure.kind == kind, procedure.anchor == c.start)

    liaison_settled = or_(c.in_year <= LIAISON_DAYS, liaison.id.is_not(None))
    pre_reprise_settled = or_(c.since_year_ago <= PRE_REPRISE_DAYS,
                              and_(c.later == 0, pre_reprise.id.is_not(None)))
    query = (select(c.spst_id, c.employee_id)
             .outerjoin(liaison, anchored(liaison, states.LIAISON))
             .outerjoin(pre_reprise, anchored(pre_reprise, states.PRE_REPRISE))
             .where(not_(and_(liaison_settled, pre_reprise_settled)))
             .order_by(c.spst_id, c.employee_id))
    return [(int(spst), int(employee)) for spst, employee in session.execute(query)]


# -- mid-career --------------------------------------------------------------------


def branch_ages(session: Session) -> list[int]:
    """The distinct ``mid_career_age`` of the employers: one index probe per age."""
    first = select(func.min(Employer.mid_career_age).label("age"))
    ages = first.cte("ages", recursive=True)
    following = select(
        select(func.min(Employer.mid_career_age))
        .where(Employer.mid_career_age > ages.c.age).scalar_subquery()
    ).where(ages.c.age.is_not(None))
    ages = ages.union_all(following)
    return [int(age) for age in session.scalars(select(ages.c.age).where(ages.c.age.is_not(None)))]


@dataclass(frozen=True)
class Cohort:
    """Employees of one branch age born in one year, whose window ``anchor`` contains today."""

    age: int
    born: int
    anchor: date
    combined: bool


def cohorts(ages: Iterable[int], today: date) -> list[Cohort]:
    """Every (age, birth year) whose mid-career window, or combined window, holds ``today``."""
    found = []
    for age in ages:
        for born in range(today.year - age, today.year - age + COMBINED_YEARS_EARLY + 1):
            visit = mid_career_visit(date(born, 1, 1), age)
            if visit.window is not None and today in visit.window:
                found.append(Cohort(age, born, visit.window.earliest, combined=False))
            if visit.combined_window is not None and today in visit.combined_window:
                found.append(Cohort(age, born, visit.combined_window.earliest, combined=True))
    return found


def mid_career_candidates(session: Session, today: date) -> list[tuple[int, int]]:
    """``(spst_id, employee_id)`` inside a mid-career window today without its procedure."""
    selects = []
    for cohort in cohorts(branch_ages(session), today):
        done = exists().where(
            Procedure.spst_id == Employee.spst_id, Procedure.employee_id == Employee.id,
            Procedure.kind == states.MID_CAREER,
            or_(Procedure.anchor == cohort.anchor,
                Procedure.state.in_((states.SCHEDULED, states.HELD))))
        query = (select(Employee.spst_id, Employee.id)
                 .join(Employer, (Employer.spst_id == Employee.spst_id)
                       & (Employer.id == Employee.employer_id))
                 .where(Employer.mid_career_age == cohort.age,
                        Employee.birth_date >= date(cohort.born, 1, 1),
                        Employee.birth_date <= date(cohort.born, 12, 31), ~done))
        if cohort.combined:
            query = query.join(Spst, Spst.id == Employee.spst_id).where(
                Spst.mid_career_combined_window.is_(True))
        selects.append(query)
    if not selects:
        return []
    rows = session.execute(union(*selects) if len(selects) > 1 else selects[0])
    return sorted({(int(spst), int(employee)) for spst, employee in rows})


# -- the facts of the candidates ----------------------------------------------------


@dataclass
class CaseFacts:
    """What the rules need about one employee, and the procedures already open."""

    spst_id: int
    employee_id: int
    employer_id: int
    birth_date: date | None
    return_date: date | None
    region: str
    headcount: int
    branch_age: int
    combined_window: bool
    arrets: list[tuple[str, date, date]] = field(default_factory=list)
    #: ``(kind, anchor, state)`` of the liaison, pré-reprise and mid-career procedures.
    procedures: list[tuple[str, date, str]] = field(default_factory=list)


KINDS = (states.LIAISON, states.PRE_REPRISE, states.MID_CAREER)


def cases_of(session: Session, employees: Iterable[tuple[int, int]]) -> list[CaseFacts]:
    """The facts of ``(spst_id, employee_id)`` pairs: three queries per :data:`BATCH`."""
    pairs = sorted(set(employees))
    combined = {spst_id: bool(setting) for spst_id, setting in session.execute(
        select(Spst.id, Spst.mid_career_combined_window)
        .where(Spst.id.in_({spst_id for spst_id, _ in pairs})))}
    found: list[CaseFacts] = []
    for start in range(0, len(pairs), BATCH):
        found += _batch(session, pairs[start:start + BATCH], combined)
    return found


def _batch(session: Session, pairs: list[tuple[int, int]],
           combined: dict[int, bool]) -> list[CaseFacts]:
    wanted = set(pairs)
    spsts, ids = sorted({spst for spst, _ in pairs}), [employee for _, employee in pairs]
    facts = {
        (row.spst_id, row.id): CaseFacts(
            row.spst_id, row.id, row.employer_id, row.birth_date, row.return_date, row.region,
            row.headcount, row.mid_career_age, combined.get(row.spst_id, False))
        for row in session.execute(
            select(Employee.spst_id, Employee.id, Employee.employer_id, Employee.birth_date,
                   Employee.return_date, Employer.region, Employer.headcount,
                   Employer.mid_career_age)
            .join(Employer, (Employer.spst_id == Employee.spst_id)
                  & (Employer.id == Employee.employer_id))
            .where(Employee.id.in_(ids)))
        if (row.spst_id, row.id) in wanted
    }
    for spst_id, employee_id, cause, first, last in session.execute(
            select(Arret.spst_id, Arret.employee_id, Arret.cause, Arret.start, Arret.end)
            .where(Arret.spst_id.in_(spsts), Arret.employee_id.in_(ids))
            .order_by(Arret.start, Arret.id)):
        if (spst_id, employee_id) in facts:
            facts[spst_id, employee_id].arrets.append((cause, first, last))
    for spst_id, employee_id, kind, anchor, state in session.execute(
            select(Procedure.spst_id, Procedure.employee_id, Procedure.kind, Procedure.anchor,
                   Procedure.state)
            .where(Procedure.spst_id.in_(spsts), Procedure.employee_id.in_(ids),
                   Procedure.kind.in_(KINDS))):
        if (spst_id, employee_id) in facts:
            facts[spst_id, employee_id].procedures.append((kind, anchor, state))
    return [facts[pair] for pair in pairs if pair in facts]
