"""The sweeps: due actions (every minute) and the daily look for new work (hourly).

Both are idempotent. Due actions are claimed row by row (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, a conditional ``UPDATE`` everywhere, the row count is
the proof), each applied in a savepoint: an action that fails stays pending
for the next sweep, the others go through. The daily sweep opens procedures
under their unique key, so a second run, or a second worker, opens nothing
more and therefore sends nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import Arret, DueAction, Employee, Employer, Procedure
from services.scheduler.adapters.peers import PeerError, Peers
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases.errors import CaseError
from services.scheduler.domain.rules import InvalidSituation
from services.scheduler.domain.rules.mid_career import mid_career_visit
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


def _batches(session: Session, query_ids: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    for start in range(0, len(query_ids), BATCH):
        yield query_ids[start:start + BATCH]


def _each(db: Database, ids: list[tuple[int, int]], work: str, report: SweepReport,
          now: datetime) -> None:
    with db.session() as session:
        batches = list(_batches(session, ids))
    for batch in batches:
        with db.session() as session:
            for spst_id, employee_id in batch:
                try:
                    with session.begin_nested():
                        report.add(work, _one(CasesRepository(session, spst_id), employee_id,
                                              work, now))
                except (CaseError, InvalidSituation) as exc:
                    log.info("%s: employee %d skipped: %s", work, employee_id, exc)


def _one(cases: CasesRepository, employee_id: int, work: str, now: datetime) -> int:
    if work == "liaison_opened":
        return _liaison(cases, employee_id, now)
    if work == "pre_reprise_informed":
        known = {p.anchor for p in cases.procedures_of(employee_id)
                 if p.kind == states.PRE_REPRISE}
        procedure = pre_reprise.inform(cases, employee_id, now=now)
        return int(procedure is not None and procedure.anchor not in known)
    return len(mid_career.open_due(cases, employee_id, now=now))


def _liaison(cases: CasesRepository, employee_id: int, now: datetime) -> int:
    from services.scheduler.service_layer.obligations import obligations_of

    today = timing.paris_day(now)
    evaluation = obligations_of(cases, employee_id, today)
    current, meeting = evaluation.current_absence, evaluation.liaison_meeting
    if (current is None or not meeting.eligible or meeting.eligible_from is None
            or not meeting.eligible_from <= today <= current.end):
        return 0
    if cases.procedure_with_anchor(employee_id, states.LIAISON, current.start) is not None:
        return 0
    liaison.open_liaison(cases, employee_id, initiated_by="sweep", now=now)
    return 1


def _on_leave(db: Database, today: date) -> list[tuple[int, int]]:
    """Employees with an arrêt running today (30 days or more ago for its chain to matter)."""
    with db.session() as session:
        rows = session.execute(
            select(Arret.spst_id, Arret.employee_id).distinct()
            .where(Arret.start <= today, Arret.end >= today)
            .order_by(Arret.spst_id, Arret.employee_id)).all()
    return [(spst, employee) for spst, employee in rows]


def _mid_career_candidates(db: Database, today: date) -> list[tuple[int, int]]:
    """Employees inside a mid-career window (or the combined one) today."""
    found = []
    with db.session() as session:
        rows = session.execute(
            select(Employee.spst_id, Employee.id, Employee.birth_date, Employer.mid_career_age)
            .join(Employer, (Employer.spst_id == Employee.spst_id)
                  & (Employer.id == Employee.employer_id))
            .where(Employee.birth_date.is_not(None))
            .order_by(Employee.spst_id, Employee.id)).all()
    for spst_id, employee_id, birth, age in rows:
        visit = mid_career_visit(birth, age)
        windows = [w for w in (visit.window, visit.combined_window) if w is not None]
        if any(today in w for w in windows):
            found.append((spst_id, employee_id))
    return found


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
    today = timing.paris_day(now)
    on_leave = _on_leave(db, today)
    _each(db, on_leave, "liaison_opened", report, now)
    _each(db, on_leave, "pre_reprise_informed", report, now)
    _each(db, _mid_career_candidates(db, today), "mid_career_opened", report, now)
    report.add("held", _held(db, now))
    return report


def yesterday(now: datetime) -> datetime:
    return now - timedelta(days=1)
