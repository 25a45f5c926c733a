"""The pré-reprise visit: the employee is told, asks, and only the SPST hears of it.

Confidential from the employer: no message about it ever goes to the
employer, and employer-scoped keys do not see the procedure unless the
employee chose to share it (``share_with_employer``, false by default).
"""

from __future__ import annotations

from datetime import datetime

from services.scheduler.adapters.orm import Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.cases import CaseConflict
from services.scheduler.domain.workflows import schedule as timing
from services.scheduler.domain.workflows import states
from services.scheduler.service_layer import messages, procedures
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.errors import Forbidden
from services.scheduler.service_layer.obligations import obligations_of

PRIVATE = "la visite de pré-reprise ne regarde que le salarié et le SPST"


def _open(cases: CasesRepository, employee_id: int, state: str,
          now: datetime) -> tuple[Procedure, bool] | None:
    employee = get_employee(cases, employee_id)
    evaluation = obligations_of(cases, employee_id, timing.paris_day(now))
    current = evaluation.current_absence
    if current is None or not evaluation.pre_reprise_visit.eligible:
        return None
    return procedures.open_procedure(
        cases, employee_id=employee.id, employer_id=employee.employer_id,
        kind=states.PRE_REPRISE, state=state, anchor=current.start, now=now,
        initiated_by="sweep" if state == states.INFORMED else "employee")


def inform(cases: CasesRepository, employee_id: int, *, now: datetime) -> Procedure | None:
    """Tell the employee (once per arrêt) that they may ask for a pré-reprise visit."""
    opened = _open(cases, employee_id, states.INFORMED, now)
    if opened is None:
        return None
    procedure, created = opened
    if created:
        people = messages.parties(cases, procedure)
        messages.to_employee(cases, procedure, people, purpose="information",
                             template="pre_reprise_information", now=now,
                             data={"link": messages.employee_link(procedure)})
    return procedure


def request(cases: CasesRepository, employee_id: int, *, now: datetime,
            share_with_employer: bool = False) -> Procedure:
    """The employee asks for the visit: the request goes to the SPST only.

    :raises Forbidden: from an employer-scoped key.
    :raises CaseConflict: no arrêt of more than 30 days in progress.
    """
    if cases.employer_scoped:
        raise Forbidden(PRIVATE)
    opened = _open(cases, employee_id, states.REQUESTED, now)
    if opened is None:
        raise CaseConflict("not_eligible", "employee_id",
                           "la visite de pré-reprise est ouverte pendant un arrêt de plus de "
                           "30 jours")
    procedure, _created = opened
    procedures.get_procedure(cases, procedure.id, lock=True)
    if procedure.state == states.INFORMED:
        procedures.move(procedure, states.REQUESTED, now)
    elif procedure.state != states.REQUESTED:
        states.check_transition(procedure.kind, procedure.state, states.REQUESTED)
    procedure.share_with_employer = share_with_employer
    people = messages.parties(cases, procedure)
    messages.to_spst(cases, procedure, people, purpose="request", template="pre_reprise_request",
                     now=now, data={"link": messages.planner_link(procedure)})
    return procedure


def set_consent(cases: CasesRepository, procedure_id: int, *, share_with_employer: bool,
                now: datetime) -> Procedure:
    """The employee's explicit choice to let the employer know of the visit.

    :raises Forbidden: from an employer-scoped key.
    """
    if cases.employer_scoped:
        raise Forbidden(PRIVATE)
    procedure = procedures.get_procedure(cases, procedure_id, lock=True,
                                         kind=states.PRE_REPRISE)
    procedure.share_with_employer = share_with_employer
    procedure.updated_at = now
    return procedure
