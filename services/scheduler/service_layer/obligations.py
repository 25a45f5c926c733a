"""An employee's obligations: the stored facts turned into a rules ``Situation``.

The rules engine is the same one the public calculator uses; this module only
gathers its input from the employer (region, headcount, branch age), the
employee (birth date, return date) and the arrêts, as of a given day.
"""

from __future__ import annotations

from datetime import date

from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.domain.rules import Absence, Cause, Evaluation, Situation, evaluate
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.employers import get_employer


def situation_of(cases: CasesRepository, employee_id: int, as_of: date) -> Situation:
    """The rules' view of a stored employee on ``as_of``.

    :raises Missing: unknown employee.
    """
    employee = get_employee(cases, employee_id)
    employer = get_employer(cases, employee.employer_id)
    absences = tuple(Absence(Cause(a.cause), a.start, a.end)
                     for a in cases.all_arrets(employee.id))
    return Situation(
        as_of=as_of, absences=absences, region=employer.region,
        headcount=employer.headcount, birth_date=employee.birth_date,
        branch_age=employer.mid_career_age, return_date=employee.return_date,
    )


def obligations_of(cases: CasesRepository, employee_id: int, as_of: date) -> Evaluation:
    """Every obligation and window the rules derive for the employee on ``as_of``."""
    return evaluate(situation_of(cases, employee_id, as_of))
