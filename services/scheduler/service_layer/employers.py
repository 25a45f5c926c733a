"""Use cases of employers: record, change, read, list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.scheduler.adapters.orm import Employer
from services.scheduler.adapters.repository import CasesRepository, Page
from services.scheduler.domain.cases import CaseConflict
from services.scheduler.service_layer.errors import Forbidden, Missing

WHAT = "employeur"


def _siret_taken(siret: str) -> CaseConflict:
    return CaseConflict("siret_taken", "siret", f"un employeur de ce SPST a déjà le SIRET {siret}")


def get_employer(cases: CasesRepository, employer_id: int) -> Employer:
    """:raises Missing: unknown here (including another SPST's employer)."""
    employer = cases.employer(employer_id)
    if employer is None:
        raise Missing(WHAT)
    return employer


def list_employers(cases: CasesRepository, after: int | None, limit: int) -> Page[Employer]:
    return cases.employers(after, limit)


def create_employer(cases: CasesRepository, fields: Mapping[str, Any]) -> Employer:
    """Record an employer from validated fields (the API schema's output).

    :raises CaseConflict: when the SPST already has that SIRET.
    """
    if cases.employer_scoped:
        raise Forbidden("une clé limitée à un employeur ne peut pas en créer d'autres")
    if cases.employer_with_siret(fields["siret"]) is not None:
        raise _siret_taken(fields["siret"])
    employer = Employer(**fields)
    try:
        cases.add(employer)
    except IntegrityError as exc:  # a concurrent request took the SIRET
        raise _siret_taken(fields["siret"]) from exc
    return employer


def update_employer(cases: CasesRepository, employer_id: int,
                    changes: Mapping[str, Any]) -> Employer:
    """Change some fields of an employer.

    :raises Missing: unknown employer.
    :raises CaseConflict: when the new SIRET is another employer's.
    """
    employer = get_employer(cases, employer_id)
    siret = changes.get("siret")
    if (siret is not None and siret != employer.siret
            and cases.employer_with_siret(siret) is not None):
        raise _siret_taken(siret)
    for name, value in changes.items():
        setattr(employer, name, value)
    try:
        cases.flush()
    except IntegrityError as exc:
        raise _siret_taken(str(siret)) from exc
    return employer
