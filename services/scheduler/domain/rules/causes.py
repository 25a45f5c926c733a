"""Causes of an arrêt, and which of them protects the employee most."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Cause(StrEnum):
    """Why the employee is off work, spelled as the API contract spells it."""

    maladie = "maladie"
    accident_travail = "accident_travail"
    maladie_professionnelle = "maladie_professionnelle"
    maternite = "maternite"
    accident_trajet = "accident_trajet"


# Most protective first: the cause that calls for a visite de reprise soonest.
# Occupational disease and maternity call for one after any length; occupational
# disease goes first because it also opens the AT/MP branch of other rules (CRPE).
# Then the work accident (30 days), then the commuting accident, which a Policy
# may move onto the 30-day rule, and last non-occupational sickness (60 days).
PROTECTIVENESS: tuple[Cause, ...] = (
    Cause.maladie_professionnelle,
    Cause.maternite,
    Cause.accident_travail,
    Cause.accident_trajet,
    Cause.maladie,
)


def most_protective(causes: Iterable[Cause]) -> Cause:
    """The cause among ``causes`` that would require a visit soonest.

    :raises ValueError: when ``causes`` is empty.
    """
    return min(causes, key=PROTECTIVENESS.index)
