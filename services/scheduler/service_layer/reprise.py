"""The reprise visit: referred to the SPST at the return, scheduled by its planner, escalated.

When the employer records the return (``employees.record_return``) and the
rules say a visit is required, the procedure opens in the same transaction:
the SPST is e-mailed at once with the deadline ``R + 8``, and escalations are
planned at D-3, D-1 and the day after D (to the SPST and the employer) for as
long as no date is set. A return recorded late takes the escalation already
due at once; recorded after ``R + 8``, the procedure opens ``missed``.

Decision: a return date more than a year ahead is refused (``return_date``,
422). A return is recorded when the employer knows it; a date that far is a
typing error far more often than a plan, and would open a procedure whose
first message comes a year later.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from services.scheduler.adapters.orm import Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases import CaseConflict, InvalidValue
from services.scheduler.domain.workflows import schedule as timing
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer import messages, procedures
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.obligations import obligations_of

MODES = ("in_person", "remote")
ESCALATIONS = (timing.REPRISE_D3, timing.REPRISE_D1, timing.REPRISE_MISSED)
WAITING = (states.REFERRED, states.MISSED)
#: How far ahead a return date may be recorded (see :func:`check_horizon`).
HORIZON = timedelta(days=366)


def refer(cases: CasesRepository, employee_id: int, *, now: datetime) -> Procedure | None:
    """Open the reprise procedure for the employee's recorded return, if a visit is required.

    A procedure still waiting for another return date (a corrected or cleared
    date) is cancelled. Calling it again for the same date changes nothing.
    A date recorded late is accepted (the visit is still owed) and escalated
    at once: after ``R + 8`` the procedure opens already ``missed``.

    :returns: the procedure of this return, or None when no visit is required.
    :raises InvalidValue: ``return_date`` more than a year ahead.
    """
    employee = get_employee(cases, employee_id)
    returned = employee.return_date
    if returned is not None:
        check_horizon(returned, timing.paris_day(now))
    visit = None
    if returned is not None:
        visit = obligations_of(cases, employee_id, timing.paris_day(now)).reprise_visit
    for other in cases.procedures_of(employee_id):
        if (other.kind == states.REPRISE and other.state in WAITING
                and (visit is None or not visit.required or other.anchor != returned)):
            procedures.move(other, states.CANCELLED, now)
            procedures.cancel_actions(cases, other)
    if returned is None or visit is None or not visit.required or visit.window is None:
        return None
    deadline = visit.window.latest
    procedure, created = procedures.open_procedure(
        cases, employee_id=employee.id, employer_id=employee.employer_id, kind=states.REPRISE,
        state=states.REFERRED, anchor=returned, now=now, initiated_by="employer",
        window_start=visit.window.earliest, window_end=deadline, deadline=deadline,
        spst_notified_on=timing.paris_day(now))
    if created:
        people = messages.parties(cases, procedure)
        messages.to_spst(cases, procedure, people, purpose="referral",
                         template="reprise_referral", now=now, data={
                             "return_date": str(returned), "deadline": str(deadline),
                             "link": messages.planner_link(procedure)})
        steps = timing.reprise_actions(deadline)
        procedures.plan(cases, procedure, timing.future_only(steps, now))
        overdue = late_step(steps, now)
        if overdue is not None:
            escalate(cases, procedure, overdue, now)
    return procedure


def late_step(steps: list[tuple[str, datetime]], now: datetime) -> str | None:
    """The escalation a late recording has already passed, to take at once (None: in time).

    A return recorded after ``R + 8`` gives the missed step: the procedure is
    overdue from the start. Recorded after D-3 or D-1, that step is taken now
    rather than skipped, so the SPST and the employer hear of the urgency.
    """
    passed = [kind for kind, due in steps if due <= now]
    return passed[-1] if passed else None


def check_horizon(returned: date, today: date) -> None:
    """Refuse a return date too far ahead to be a known plan: most likely a typing error.

    :raises InvalidValue: ``return_date`` more than :data:`HORIZON` after ``today``.
    """
    if returned > today + HORIZON:
        raise InvalidValue("return_date",
                           f"date de reprise trop lointaine (après le {today + HORIZON:%d/%m/%Y}) "
                           f": enregistrez-la quand elle sera connue")


def schedule(cases: CasesRepository, procedure_id: int, starts_at: datetime, *, now: datetime,
             mode: str = "in_person", location: str | None = None,
             video_url: str | None = None) -> Procedure:
    """The planner sets (or moves) the visit's date: invitations, the employee told.

    Works for reprise and mid-career visits. A date after the deadline is
    accepted (a late visit is better than none) and shown as late. The
    employee is told by SMS (by e-mail without a phone), with the calendar
    invitation at their e-mail address; for a mid-career visit, only on the
    SPST's setting ``mid_career_notify_employee``.

    :raises InvalidValue: a past date or an unknown ``mode``.
    :raises CaseConflict: the procedure is closed.
    """
    if mode not in MODES:
        raise InvalidValue("mode", f"valeurs possibles : {', '.join(MODES)}")
    procedure = procedures.get_procedure(cases, procedure_id, lock=True)
    if procedure.kind not in (states.REPRISE, states.MID_CAREER):
        raise CaseConflict("wrong_kind", "procedure_id",
                           "seules les visites de reprise et de mi-carrière se planifient ici")
    if starts_at <= now:
        raise InvalidValue("starts_at", "la date est passée")
    if procedure.kind == states.REPRISE and timing.paris_day(starts_at) < procedure.anchor:
        raise InvalidValue("starts_at", f"la visite de reprise a lieu à partir de la reprise, "
                                        f"le {procedure.anchor:%d/%m/%Y}")
    states.check_transition(procedure.kind, procedure.state, states.SCHEDULED)
    people = messages.parties(cases, procedure)
    procedures.set_appointment(procedure, starts_at, people.spst.meeting_minutes, mode,
                               location, video_url)
    procedures.move(procedure, states.SCHEDULED, now)
    procedures.cancel_actions(cases, procedure)
    procedures.send_event(cases, procedure, people, now)
    data = {"starts_at": messages.paris_iso(starts_at),
            "location": procedures.location_text(procedure),
            "link": messages.employee_link(procedure)}
    if procedure.kind == states.REPRISE:
        messages.to_employee(cases, procedure, people, purpose="scheduled",
                             template="reprise_scheduled", suffix=str(procedure.sequence),
                             now=now, data=data)
    elif procedures.employee_convened(procedure, people):
        messages.to_employee(cases, procedure, people, purpose="scheduled",
                             template="mid_career_scheduled", suffix=str(procedure.sequence),
                             now=now, invite_link_uid=procedure.calendar_uid, data=data)
    return procedure


def escalate(cases: CasesRepository, procedure: Procedure, kind: str, now: datetime) -> None:
    """A reprise due action: D-3, D-1 or missed, while no date is set."""
    if procedure.state not in WAITING:
        return
    if kind == timing.REPRISE_MISSED:
        procedures.move(procedure, states.MISSED, now)
    people = messages.parties(cases, procedure)
    overdue = kind == timing.REPRISE_MISSED
    messages.to_spst(cases, procedure, people, purpose="escalation", suffix=kind,
                     template="reprise_escalation", now=now,
                     data={"deadline": str(procedure.deadline), "overdue": overdue,
                           "link": messages.planner_link(procedure)})
    # The employer refers the case and agrees a date with the SPST; the
    # planner's pages are not theirs.
    messages.to_employer(cases, procedure, people, purpose="escalation", suffix=kind,
                         template="reprise_escalation_employer", now=now,
                         data={"deadline": str(procedure.deadline), "overdue": overdue})
