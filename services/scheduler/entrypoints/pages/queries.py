"""Reading the stored procedures for the pages: the token's procedure and the views.

Only reads. A link's token names one procedure and one role; :func:`resolve`
checks the signature, the age and the procedure's ``link_version`` (bumped to
revoke every link), so a GET never writes. The employer's view is built
without ever reading the pré-reprise unless the employee shared it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from services.scheduler.adapters.links import LinkError, LinkSigner, Role
from services.scheduler.adapters.orm import MAX_ID, Employee, Employer, Procedure, Slot
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases import InvalidValue
from services.scheduler.domain.rules import Window
from services.scheduler.domain.workflows import states
from services.scheduler.domain.workflows.schedule import paris_day
from services.scheduler.entrypoints.pages.views import (
    Appointment,
    Dashboard,
    DashboardRow,
    EmployeeView,
    EmployerView,
    PreRepriseView,
    SharedPreReprise,
    SlotChoice,
)
from services.scheduler.service_layer import dashboard as dashboard_service
from services.scheduler.service_layer import liaison

#: The SPST is told at the latest when the employer confirms: this many days' notice.
SPST_NOTICE_DAYS = 8
REFERENT_HANDICAP_HEADCOUNT = 250
DATED_STATES = frozenset({states.CONFIRMED, states.SCHEDULED, states.HELD})


def resolve(session: Session, signer: LinkSigner, token: str, role: Role) -> Procedure:
    """The procedure this link opens for ``role``.

    :raises LinkError: ``invalid`` (tampered, another role's, unknown procedure,
        or an employer's link to a pré-reprise), ``expired`` (too old, or revoked
        by a newer ``link_version``).
    """
    link = signer.verify(token, role)
    row = session.get(Procedure, link.case_id) if 1 <= link.case_id <= MAX_ID else None
    if row is None:
        raise LinkError("invalid")
    if role is Role.EMPLOYER and row.kind == states.PRE_REPRISE:
        raise LinkError("invalid")  # the employer never learns that it exists
    if row.link_version != link.version:
        raise LinkError("expired")
    return row


def _appointment(row: Procedure) -> Appointment | None:
    if row.starts_at is None or row.state not in DATED_STATES:
        return None
    return Appointment(row.starts_at, row.ends_at, row.mode, row.location, row.video_url)


def _employee(session: Session, row: Procedure) -> Employee:
    employee = session.get(Employee, row.employee_id)
    assert employee is not None and employee.spst_id == row.spst_id  # composite foreign key
    return employee


def _employer(session: Session, row: Procedure) -> Employer:
    employer = session.get(Employer, row.employer_id)
    assert employer is not None and employer.spst_id == row.spst_id
    return employer


def latest_pre_reprise(session: Session, row: Procedure) -> Procedure | None:
    """The employee's latest pré-reprise procedure (the page of ``row`` is the employee's)."""
    if row.kind == states.PRE_REPRISE:
        return row
    return session.scalars(
        select(Procedure)
        .where(Procedure.spst_id == row.spst_id, Procedure.employee_id == row.employee_id,
               Procedure.kind == states.PRE_REPRISE)
        .order_by(Procedure.id.desc()).limit(1)).first()


def _in_arret(employee: Employee, today: date) -> bool:
    return employee.return_date is None or employee.return_date > today


def employee_view(session: Session, row: Procedure, now: datetime) -> EmployeeView:
    """What the employee's page shows for ``row``."""
    employee, employer = _employee(session, row), _employer(session, row)
    liaison = row.kind == states.LIAISON
    still_open = states.is_open(row.kind, row.state)
    pre = latest_pre_reprise(session, row)
    pre_view: PreRepriseView | None = None
    if pre is not None and pre.state != states.INFORMED:
        pre_view = PreRepriseView(pre.state, pre.requested_on, pre.share_with_employer)
    elif (row.kind in (states.LIAISON, states.PRE_REPRISE) and still_open
          and _in_arret(employee, paris_day(now))):
        pre_view = PreRepriseView("none", None, False)
    appointment = _appointment(row)
    return EmployeeView(
        kind=row.kind, state=row.state, first_name=employee.first_name,
        employer_name=employer.name, appointment=appointment,
        can_answer=liaison and row.state == states.INFORMED,
        can_refuse=liaison and row.state in (states.ACCEPTED, states.CONFIRMED),
        referent_handicap_possible=(liaison and still_open
                                    and employer.headcount >= REFERENT_HANDICAP_HEADCOUNT),
        referent_handicap_consent=row.referent_handicap_consent,
        pre_reprise=pre_view,
        calendar_available=appointment is not None and row.calendar_uid is not None
        and row.state != states.HELD,
    )


def confirmation_window(row: Procedure, now: datetime) -> Window | None:
    """Days on which the employer may still confirm: the legal window, shortened so
    that the SPST, told at confirmation, has its 8 days' notice (shown on the page;
    :func:`slot_refusal` is the real check)."""
    if row.window_start is None or row.window_end is None:
        return None
    earliest = max(row.window_start, paris_day(now) + timedelta(days=SPST_NOTICE_DAYS))
    return Window(earliest, row.window_end)


def slot_refusal(session: Session, row: Procedure, starts_at: datetime,
                 now: datetime) -> str | None:
    """Why the employer cannot take ``starts_at`` now, in French; None when it can."""
    try:
        liaison.check_date(CasesRepository(session, row.spst_id), row, starts_at, now)
    except InvalidValue as exc:
        return exc.message
    return None


def employer_view(session: Session, row: Procedure, now: datetime) -> EmployerView:
    """What the employer's page shows for ``row`` (never a private pré-reprise)."""
    employee, employer = _employee(session, row), _employer(session, row)
    can_confirm = row.kind == states.LIAISON and row.state == states.ACCEPTED
    choices: list[SlotChoice] = []
    if can_confirm:
        proposed = session.scalars(
            select(Slot).where(Slot.spst_id == row.spst_id, Slot.procedure_id == row.id,
                               Slot.status == "proposed").order_by(Slot.starts_at, Slot.id))
        choices = [SlotChoice(slot.id, slot.starts_at,
                              slot_refusal(session, row, slot.starts_at, now))
                   for slot in proposed]
    window = confirmation_window(row, now) if can_confirm else None
    return EmployerView(
        kind=row.kind, state=row.state, employer_name=employer.name,
        employee_name=f"{employee.first_name} {employee.last_name}",
        appointment=_appointment(row), can_confirm=can_confirm, slots=choices,
        window_earliest=window.earliest if window else None,
        window_latest=window.latest if window else None,
        closed_neutrally=row.state in (states.REFUSED, states.CANCELLED),
        shared_pre_reprise=shared_pre_reprise(session, row),
    )


def shared_pre_reprise(session: Session, row: Procedure) -> SharedPreReprise | None:
    """The employee's pré-reprise request, only when the employee chose to share it."""
    pre = latest_pre_reprise(session, row)
    if pre is None or not pre.share_with_employer or pre.state != states.REQUESTED:
        return None
    return SharedPreReprise(pre.requested_on)


# -- the planner's dashboard ------------------------------------------------------

SCHEDULABLE = {states.REPRISE: (states.REFERRED, states.MISSED),
               states.MID_CAREER: (states.DUE,)}
TO_SCHEDULE_LIMIT = 200


def _row(procedure: Procedure, employee: Employee, employer: Employer) -> DashboardRow:
    return DashboardRow(
        procedure_id=procedure.id, kind=procedure.kind, state=procedure.state,
        employee_name=f"{employee.first_name} {employee.last_name}",
        employer_name=employer.name,
        starts_at=procedure.starts_at if procedure.state in DATED_STATES else None,
        deadline=deadline_of(procedure), mode=procedure.mode)


def _from_view(row: dashboard_service.DashboardRow) -> DashboardRow:
    return DashboardRow(row.procedure_id, row.kind, row.state, row.employee_name,
                        row.employer_name, row.starts_at, row.deadline, None)


def deadline_of(procedure: Procedure) -> date | None:
    """The last day by which the procedure must have a date, while it has none."""
    if procedure.state in (states.REFERRED, states.MISSED, states.DUE):
        return procedure.deadline or procedure.window_end
    if procedure.kind == states.LIAISON and procedure.state == states.ACCEPTED:
        return procedure.window_end
    return None


def _joined() -> Select[Procedure, Employee, Employer]:
    return (select(Procedure, Employee, Employer)
            .join(Employee, (Employee.spst_id == Procedure.spst_id)
                  & (Employee.id == Procedure.employee_id))
            .join(Employer, (Employer.spst_id == Procedure.spst_id)
                  & (Employer.id == Procedure.employer_id)))


def dashboard(session: Session, spst_id: int, now: datetime) -> Dashboard:
    """The service layer's planner view (upcoming, at risk, overdue), and the visits
    whose date the planner sets here (reprise, mid-career) still without one."""
    view = dashboard_service.planner_view(session, spst_id, now)
    waiting = or_(*(and_(Procedure.kind == kind, Procedure.state.in_(waiting_states))
                    for kind, waiting_states in SCHEDULABLE.items()))
    to_schedule = [_row(*found) for found in session.execute(
        _joined().where(Procedure.spst_id == spst_id, waiting)
        .order_by(Procedure.deadline, Procedure.id).limit(TO_SCHEDULE_LIMIT))]
    return Dashboard([_from_view(row) for row in view.upcoming],
                     [_from_view(row) for row in view.at_risk],
                     [_from_view(row) for row in view.overdue], to_schedule)


def planner_procedure(session: Session, spst_id: int,
                      procedure_id: int) -> tuple[Procedure, DashboardRow] | None:
    """One procedure of the planner's SPST, with its row (None: unknown or another SPST's)."""
    if not 1 <= procedure_id <= MAX_ID:
        return None
    found = session.execute(_joined().where(Procedure.spst_id == spst_id,
                                            Procedure.id == procedure_id)).first()
    if found is None:
        return None
    return found[0], _row(*found)
