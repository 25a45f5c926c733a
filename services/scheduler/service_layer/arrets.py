"""Use cases of arrêts: record one (a prolongation is one more), correct, delete, list.

Each write keeps the domain's invariants (``domain.cases.arrets``): no two
arrêts of an employee overlap, and the stored return date follows the first
day of each (an arrêt starting on or after it forgets it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.scheduler.adapters.orm import Arret, Employee
from services.scheduler.adapters.repository import CasesRepository, Page
from services.scheduler.domain.cases import Period, check_period, return_date_after_write
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.errors import Missing

WHAT = "arrêt"


def get_arret(cases: CasesRepository, arret_id: int) -> Arret:
    """:raises Missing: unknown here (including another SPST's arrêt)."""
    arret = cases.arret(arret_id)
    if arret is None:
        raise Missing(WHAT)
    return arret


def list_arrets(cases: CasesRepository, employee_id: int, after: int | None,
                limit: int) -> Page[Arret]:
    """:raises Missing: unknown employee."""
    get_employee(cases, employee_id)
    return cases.arrets(employee_id, after, limit)


def _write(cases: CasesRepository, employee: Employee, period: Period,
           arret_id: int | None) -> None:
    others = [Period(a.start, a.end) for a in cases.all_arrets(employee.id) if a.id != arret_id]
    check_period(period, others)
    employee.return_date = return_date_after_write(employee.return_date, period)


def record_arret(cases: CasesRepository, employee_id: int, cause: str, start: date,
                 end: date) -> Arret:
    """Record an arrêt or a prolongation of the employee.

    :raises Missing: unknown employee.
    :raises InvalidValue, CaseConflict: see
        :func:`~services.scheduler.domain.cases.check_period`.
    """
    employee = get_employee(cases, employee_id, lock=True)
    _write(cases, employee, Period(start, end), None)
    arret = Arret(employee_id=employee.id, cause=cause, start=start, end=end)
    cases.add(arret)
    return arret


def correct_arret(cases: CasesRepository, arret_id: int, changes: Mapping[str, Any]) -> Arret:
    """Change the cause or dates of an arrêt, e.g. extend its end.

    :raises Missing: unknown arrêt.
    """
    arret = get_arret(cases, arret_id)
    period = Period(changes.get("start", arret.start), changes.get("end", arret.end))
    _write(cases, get_employee(cases, arret.employee_id, lock=True), period, arret.id)
    for name, value in changes.items():
        setattr(arret, name, value)
    cases.flush()
    return arret


def delete_arret(cases: CasesRepository, arret_id: int) -> None:
    """Delete an arrêt recorded by mistake; the last one takes the return date along.

    :raises Missing: unknown arrêt.
    """
    arret = get_arret(cases, arret_id)
    employee = get_employee(cases, arret.employee_id, lock=True)
    cases.delete(arret)
    if not cases.all_arrets(employee.id):
        employee.return_date = None
        cases.flush()
