"""Stored cases: what the scheduler checks about employers, employees and arrêts.

Pure functions and plain values; the rules engine (``domain.rules``) decides
the obligations, this package only keeps the stored facts consistent:
identifiers (SIRET, phone, e-mail) and the dates of arrêts and returns.
"""

from __future__ import annotations

from services.scheduler.domain.cases.arrets import (
    Period,
    check_period,
    check_return_date,
    return_date_after_write,
)
from services.scheduler.domain.cases.errors import CaseConflict, InvalidValue
from services.scheduler.domain.cases.identifiers import (
    normalize_email,
    normalize_phone,
    normalize_siret,
)

__all__ = [
    "CaseConflict",
    "InvalidValue",
    "Period",
    "check_period",
    "check_return_date",
    "normalize_email",
    "normalize_phone",
    "normalize_siret",
    "return_date_after_write",
]
