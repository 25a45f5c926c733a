"""The sweeps: due actions (every minute) and the daily look for new work (hourly).

Both are idempotent. Due actions are claimed row by row (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, a conditional ``UPDATE`` everywhere, the row count is
the proof), each applied in a savepoint: an action that fails stays pending
for the next sweep, the others go through. The daily sweep opens procedures
under their unique key, so a second run, or a second worker, opens nothing
more and therefore sends nothing more. It does not read the population: the
database finds who may have work today through its indexes (migration
``0004_sweep_indexes``), then the rules decide on those only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.scheduler.adapters import daily_queries
from services.scheduler.adapters.daily_queries import CaseFacts
from services.scheduler.adapters.orm import DueAction, Procedure
from services.scheduler.adapters.peers import PeerError, Peers
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases.errors import CaseError
from services.scheduler.domain.rules import (
    Absence,
    Cause,
    Evaluation,
    InvalidSituation,
    Situation,
    evaluate,
)
from services.scheduler.domain.workflows import schedule as timing
from services.scheduler.domain.workflows import states
from services.scheduler.domain.workflows.slots import Interval
from services.scheduler.service_layer import liaison, mid_career, pre_reprise, reprise
from shared.db import Database

log = logging.getLogger(__name__)
BATCH = 100


@dataclass
class SweepReport:
    """What a sweep did, by kind of work."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.counts[what] = self.counts.get(what, 0) + count


# -- due actions ----------------------------------------------------------------


def _busy_for_proposals(db: Database, now: datetime,
                        peers: Peers | None) -> dict[int, list[Interval]]:
    """Busy times of each procedure waiting for slots, read before any transaction."""
    found: dict[int, list[Interval]] = {}
    with db.session() as session:
        waiting = session.execute(
            select(DueAction.procedure_id, DueAction.spst_id)
            .where(DueAction.status == "pending", DueAction.due_at <= now,
                   DueAction.kind == timing.LIAISON_PROPOSE_SLOTS).limit(BATCH)).all()
        requests = {pid: liaison.busy_request(CasesRepository(session, spst), pid, now)
                    for pid, spst in waiting}
    for procedure_id, request in requests.items():
        if request is None:
            found[procedure_id] = []
            continue
        if peers is None:
            continue
        try:
            found[procedure_id] = peers.busy(request.planner_id, request.start, request.end)
        except PeerError as exc:
            log.warning("busy times of planner %s unavailable: %s", request.planner_id, exc)
    return found


def _apply(cases: CasesRepository, procedure: Procedure, action: DueAction, now: datetime,
           busy: dict[int, list[Interval]]) -> None:
    kind = action.kind
    if kind == timing.LIAISON_REMINDER:
        liaison.remind(cases, procedure, now)
    elif kind == timing.LIAISON_PROPOSE_SLOTS:
        if procedure.state == states.ACCEPTED:
            liaison.propose(cases, procedure, now=now, busy=busy[procedure.id])
    elif kind in (timing.REPRISE_D3, timing.REPRISE_D1, timing.REPRISE_MISSED):
        reprise.escalate(cases, procedure, kind, now)
    elif kind in mid_career.FOLLOW_UPS:
        mid_career.follow_up(cases, procedure, kind, now)


def run_due_actions(db: Database, now: datetime, peers: Peers | None = None,
                    limit: int = BATCH) -> SweepReport:
    """Apply every due action once (at most ``limit`` per call)."""
    report = SweepReport()
    busy = _busy_for_proposals(db, now, peers)
    postgres = db.engine.dialect.name == "postgresql"
    with db.session() as session:
        query = (select(DueAction).where(DueAction.status == "pending", DueAction.due_at <= now)
                 .order_by(DueAction.due_at, DueAction.id).limit(limit))
        if postgres:
            query = query.with_for_update(skip_locked=True)
        for action in session.scalars(query).all():
            if action.kind == timing.LIAISON_PROPOSE_SLOTS and action.procedure_id not in busy:
                report.add("waiting_for_calendar")
                continue
            _claim_and_apply(session, action, now, busy, report)
    return report


def _claim_and_apply(session: Session, action: DueAction, now: datetime,
                     busy: dict[int, list[Interval]], report: SweepReport) -> None:
    try:
        with session.begin_nested():
            claimed = session.execute(
                update(DueAction).where(DueAction.id == action.id,
                                        DueAction.status == "pending")
                .values(status="done", done_at=now)
                .execution_options(synchronize_session=False))
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return
            cases = CasesRepository(session, action.spst_id)
            procedure = cases.procedure(action.procedure_id, lock=True)
            if procedure is not None:
                _apply(cases, procedure, action, now, busy)
        report.add(action.kind)
    except (CaseError, InvalidSituation):
        log.exception("due action %s n°%d failed; kept for the next sweep", action.kind,
                      action.id)
        report.add("errors")


# -- daily sweep --------------------------------------------------------------------
#
# Two phases. Finding: the database returns the employees who may have work
# today (indexed queries, ``adapters/daily_queries.py``), their facts are
# loaded in batches and the rules decide what is due, exactly as the opening
# functions below would. Opening: each due item, one savepoint each, through
# the same functions as ever (they check again, inside the transaction).

LIAISON_OPENED = "liaison_opened"
PRE_REPRISE_INFORMED = "pre_reprise_informed"
MID_CAREER_OPENED = "mid_career_opened"

#: A mid-career visit in these states ends the search for its windows (``open_due``).
MID_CAREER_DONE = (states.SCHEDULED, states.HELD)

Pair = tuple[int, int]


@dataclass(frozen=True)
class DailyWork:
    """What the daily sweep opens today: ``(spst_id, employee_id)`` by kind of work."""

    liaison: list[Pair]
    pre_reprise: list[Pair]
    mid_career: list[Pair]
    #: Employees the queries returned, whose facts the rules looked at.
    candidates: int

    @property
    def items(self) -> int:
        return len(self.liaison) + len(self.pre_reprise) + len(self.mid_career)


def liaison_anchor(evaluation: Evaluation, today: date) -> date | None:
    """The chain whose liaison meeting the sweep opens today (its start), if any."""
    current, meeting = evaluation.current_absence, evaluation.liaison_meeting
    if (current is None or not meeting.eligible or meeting.eligible_from is None
            or not meeting.eligible_from <= today <= current.end):
        return None
    return current.start


def pre_reprise_anchor(evaluation: Evaluation) -> date | None:
    """The chain whose pré-reprise the employee may ask for (its start), as ``inform`` sees it."""
    current = evaluation.current_absence
    if current is None or not evaluation.pre_reprise_visit.eligible:
        return None
    return current.start


def mid_career_anchors(evaluation: Evaluation, today: date, combined: bool) -> list[date]:
    """The first days of the mid-career windows holding ``today``, as ``open_due`` sees them."""
    visit = evaluation.mid_career_visit
    windows = [w for w in ((visit.combined_window if combined else None), visit.window)
               if w is not None and today in w]
    return [window.earliest for window in windows]


def _evaluation(case: CaseFacts, today: date) -> Evaluation | None:
    """The rules on the loaded facts, as ``obligations.situation_of`` builds them."""
    absences = tuple(Absence(Cause(cause), first, last) for cause, first, last in case.arrets)
    try:
        return evaluate(Situation(
            as_of=today, absences=absences,
            region=case.region, headcount=case.headcount, birth_date=case.birth_date,
            branch_age=case.branch_age, return_date=case.return_date))
    except InvalidSituation:
        return None  # the opening functions refuse it too


def _due(case: CaseFacts, today: date, on_leave: bool, in_cohort: bool) -> list[str]:
    evaluation = _evaluation(case, today)
    if evaluation is None:
        return []
    opened = {(kind, anchor) for kind, anchor, _ in case.procedures}
    due = []
    if on_leave:
        anchor = liaison_anchor(evaluation, today)
        if anchor is not None and (states.LIAISON, anchor) not in opened:
            due.append(LIAISON_OPENED)
        anchor = pre_reprise_anchor(evaluation)
        if anchor is not None and (states.PRE_REPRISE, anchor) not in opened:
            due.append(PRE_REPRISE_INFORMED)
    if in_cohort and not any(kind == states.MID_CAREER and state in MID_CAREER_DONE
                             for kind, _, state in case.procedures):
        anchors = mid_career_anchors(evaluation, today, case.combined_window)
        if any((states.MID_CAREER, anchor) not in opened for anchor in anchors):
            due.append(MID_CAREER_OPENED)
    return due


def find_daily_work(db: Database, now: datetime) -> DailyWork:
    """Every item the daily sweep opens at ``now``, without reading the population."""
    today = timing.paris_day(now)
    with db.session() as session:
        on_leave = set(daily_queries.on_leave_candidates(session, today))
        cohort = set(daily_queries.mid_career_candidates(session, today))
        cases = daily_queries.cases_of(session, sorted(on_leave | cohort))
    work = DailyWork([], [], [], candidates=len(cases))
    lists = {LIAISON_OPENED: work.liaison, PRE_REPRISE_INFORMED: work.pre_reprise,
             MID_CAREER_OPENED: work.mid_career}
    for case in cases:
        key = (case.spst_id, case.employee_id)
        for what in _due(case, today, key in on_leave, key in cohort):
            lists[what].append(key)
    return work


def _each(db: Database, pairs: list[Pair], work: str, report: SweepReport,
          now: datetime) -> None:
    for start in range(0, len(pairs), BATCH):
        with db.session() as session:
            for spst_id, employee_id in pairs[start:start + BATCH]:
                try:
                    with session.begin_nested():
                        report.add(work, _one(CasesRepository(session, spst_id), employee_id,
                                              work, now))
                except (CaseError, InvalidSituation) as exc:
                    log.info("%s: employee %d skipped: %s", work, employee_id, exc)


def _one(cases: CasesRepository, employee_id: int, work: str, now: datetime) -> int:
    if work == LIAISON_OPENED:
        return _liaison(cases, employee_id, now)
    if work == PRE_REPRISE_INFORMED:
        known = {p.anchor for p in cases.procedures_of(employee_id)
                 if p.kind == states.PRE_REPRISE}
        procedure = pre_reprise.inform(cases, employee_id, now=now)
        return int(procedure is not None and procedure.anchor not in known)
    return len(mid_career.open_due(cases, employee_id, now=now))


def _liaison(cases: CasesRepository, employee_id: int, now: datetime) -> int:
    from services.scheduler.service_layer.obligations import obligations_of

    today = timing.paris_day(now)
    anchor = liaison_anchor(obligations_of(cases, employee_id, today), today)
    if anchor is None or cases.procedure_with_anchor(employee_id, states.LIAISON,
                                                     anchor) is not None:
        return 0
    liaison.open_liaison(cases, employee_id, initiated_by="sweep", now=now)
    return 1


def _held(db: Database, now: datetime) -> int:
    with db.session() as session:
        result = session.execute(
            update(Procedure)
            .where(Procedure.state.in_((states.CONFIRMED, states.SCHEDULED)),
                   Procedure.ends_at < now)
            .values(state=states.HELD, closed_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]


def run_daily(db: Database, now: datetime) -> SweepReport:
    """Open what the day brings: liaison eligibility (day 31), pré-reprise, mid-career."""
    report = SweepReport()
    work = find_daily_work(db, now)
    _each(db, work.liaison, LIAISON_OPENED, report, now)
    _each(db, work.pre_reprise, PRE_REPRISE_INFORMED, report, now)
    _each(db, work.mid_career, MID_CAREER_OPENED, report, now)
    report.add("held", _held(db, now))
    return report


def yesterday(now: datetime) -> datetime:
    return now - timedelta(days=1)
