"""Use cases of employees: record, change, read, list, and their return to work.

Decision: an employee needs a phone number or an e-mail address. Relais exists
to reach people about their deadlines; a record nobody can be reached through
is refused at once rather than discovered when the first reminder fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from services.scheduler.adapters.orm import Employee
from services.scheduler.adapters.repository import CasesRepository, Page
from services.scheduler.domain.cases import InvalidValue, Period, check_return_date
from services.scheduler.service_layer.errors import Missing
from shared.db import utcnow

WHAT = "salarié"


def get_employee(cases: CasesRepository, employee_id: int, lock: bool = False) -> Employee:
    """The SPST's employee.

    :param lock: hold the row until commit, before checking its arrêts' dates.
    :raises Missing: unknown here (including another SPST's employee).
    """
    employee = cases.employee(employee_id, lock)
    if employee is None:
        raise Missing(WHAT)
    return employee


def list_employees(cases: CasesRepository, after: int | None, limit: int,
                   employer_id: int | None = None) -> Page[Employee]:
    return cases.employees(after, limit, employer_id)


def _check_reachable(employee: Employee) -> None:
    if not employee.phone and not employee.email:
        raise InvalidValue("phone", "un téléphone ou une adresse e-mail est nécessaire "
                                    "pour joindre le salarié")


def create_employee(cases: CasesRepository, fields: Mapping[str, Any]) -> Employee:
    """Record an employee of one of the SPST's employers.

    :raises InvalidValue: on an employer that is not the SPST's, or no contact.
    """
    if cases.employer(fields["employer_id"]) is None:
        raise InvalidValue("employer_id", "employeur introuvable")
    employee = Employee(**fields)
    _check_reachable(employee)
    cases.add(employee)
    return employee


def update_employee(cases: CasesRepository, employee_id: int,
                    changes: Mapping[str, Any]) -> Employee:
    """Change some fields; the employer and the return date have their own ways.

    :raises Missing: unknown employee.
    :raises InvalidValue: when the change leaves no way to reach the employee.
    """
    employee = get_employee(cases, employee_id)
    for name, value in changes.items():
        setattr(employee, name, value)
    _check_reachable(employee)
    cases.flush()
    return employee


def record_return(cases: CasesRepository, employee_id: int,
                  return_date: date | None, now: datetime | None = None) -> Employee:
    """Set (or, with None, clear) the first day worked after the latest chain.

    When the rules require a reprise visit, its procedure opens in the same
    transaction (the SPST is told through the outbox): ``reprise.refer``.

    :raises Missing: unknown employee.
    :raises CaseConflict: without arrêts, or when the date does not follow the
        first day of the latest one (it may precede its last day: an early return).
    """
    employee = get_employee(cases, employee_id, lock=True)
    if return_date is not None:
        periods = [Period(a.start, a.end) for a in cases.all_arrets(employee.id)]
        check_return_date(return_date, periods)
    employee.return_date = return_date
    cases.flush()
    from services.scheduler.service_layer import reprise

    reprise.refer(cases, employee.id, now=now or utcnow())
    return employee
