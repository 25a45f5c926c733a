"""The planner's view: upcoming appointments, deadlines at risk, overdue work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import Employee, Employer, Procedure
from services.scheduler.domain.workflows import schedule as timing
from services.scheduler.domain.workflows import states

AT_RISK_DAYS = 3
LIMIT = 200
WAITING = (states.REFERRED, states.MISSED, states.DUE, states.ACCEPTED, states.REQUESTED)


@dataclass(frozen=True)
class DashboardRow:
    procedure_id: int
    kind: str
    state: str
    employee_id: int
    employee_name: str
    employer_name: str
    starts_at: datetime | None
    deadline: date | None


@dataclass(frozen=True)
class PlannerView:
    upcoming: list[DashboardRow]
    at_risk: list[DashboardRow]
    overdue: list[DashboardRow]


def _rows(session: Session, spst_id: int, *conditions: object) -> list[DashboardRow]:
    query = (select(Procedure, Employee, Employer)
             .join(Employee, (Employee.spst_id == Procedure.spst_id)
                   & (Employee.id == Procedure.employee_id))
             .join(Employer, (Employer.spst_id == Procedure.spst_id)
                   & (Employer.id == Procedure.employer_id))
             .where(Procedure.spst_id == spst_id, *conditions)  # type: ignore[arg-type]
             .limit(LIMIT))
    return [DashboardRow(p.id, p.kind, p.state, e.id, f"{e.first_name} {e.last_name}", r.name,
                         p.starts_at, p.deadline if p.kind != states.LIAISON else p.window_end)
            for p, e, r in session.execute(query).all()]


def planner_view(session: Session, spst_id: int, now: datetime) -> PlannerView:
    """What the SPST's planning team must see first."""
    today = timing.paris_day(now)
    soon = today + timedelta(days=AT_RISK_DAYS)
    upcoming = _rows(session, spst_id, Procedure.state.in_((states.CONFIRMED, states.SCHEDULED)),
                     Procedure.starts_at >= now)
    waiting = _rows(session, spst_id, Procedure.state.in_(WAITING))
    at_risk = [r for r in waiting if r.deadline is not None and today <= r.deadline <= soon]
    overdue = [r for r in waiting if r.deadline is not None and r.deadline < today]
    return PlannerView(sorted(upcoming, key=lambda r: r.starts_at or now),
                       sorted(at_risk, key=lambda r: r.deadline or today),
                       sorted(overdue, key=lambda r: r.deadline or today))


def csv_rows(view: PlannerView) -> list[list[str]]:
    """The view as CSV rows, a header first."""
    rows = [["rubrique", "procédure", "type", "état", "salarié", "employeur", "date", "échéance"]]
    for section, items in (("à venir", view.upcoming), ("à risque", view.at_risk),
                           ("en retard", view.overdue)):
        for r in items:
            rows.append([section, str(r.procedure_id), r.kind, r.state, r.employee_name,
                         r.employer_name, r.starts_at.isoformat() if r.starts_at else "",
                         r.deadline.isoformat() if r.deadline else ""])
    return rows
