"""The reprise visit: referred to the SPST at the return, scheduled by its planner, escalated.

When the employer records the return (``employees.record_return``) and the
rules say a visit is required, the procedure opens in the same transaction:
the SPST is e-mailed at once with the deadline ``R + 8``, and escalations are
planned at D-3, D-1 and the day after D (to the SPST and the employer) for as
long as no date is set.
"""

from __future__ import annotations

from datetime import datetime

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


def refer(cases: CasesRepository, employee_id: int, *, now: datetime) -> Procedure | None:
    """Open the reprise procedure for the employee's recorded return, if a visit is required.

    A procedure still waiting for another return date (a corrected or cleared
    date) is cancelled. Calling it again for the same date changes nothing.

    :returns: the procedure of this return, or None when no visit is required.
    """
    employee = get_employee(cases, employee_id)
    returned = employee.return_date
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
        actions = timing.future_only(timing.reprise_actions(deadline), now)
        procedures.plan(cases, procedure, actions or [(timing.REPRISE_MISSED, now)])
    return procedure


def schedule(cases: CasesRepository, procedure_id: int, starts_at: datetime, *, now: datetime,
             mode: str = "in_person", location: str | None = None,
             video_url: str | None = None) -> Procedure:
    """The planner sets (or moves) the visit's date: invitations, the employee told.

    Works for reprise and mid-career visits. A date after the deadline is
    accepted (a late visit is better than none) and shown as late.

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
    if procedure.kind == states.REPRISE:
        messages.to_employee(cases, procedure, people, purpose="scheduled",
                             template="reprise_scheduled", suffix=str(procedure.sequence),
                             now=now, data={"starts_at": messages.paris_iso(starts_at),
                                            "location": procedures.location_text(procedure),
                                            "link": messages.employee_link(procedure)})
    return procedure


def escalate(cases: CasesRepository, procedure: Procedure, kind: str, now: datetime) -> None:
    """A reprise due action: D-3, D-1 or missed, while no date is set."""
    if procedure.state not in WAITING:
        return
    if kind == timing.REPRISE_MISSED:
        procedures.move(procedure, states.MISSED, now)
    people = messages.parties(cases, procedure)
    data = {"deadline": str(procedure.deadline), "employer_name": people.employer.name,
            "link": messages.planner_link(procedure)}
    messages.to_spst(cases, procedure, people, purpose="escalation", suffix=kind,
                     template="reprise_escalation", data=data, now=now)
    messages.to_employer(cases, procedure, people, purpose="escalation", suffix=kind,
                         template="reprise_escalation", data=data, now=now)
