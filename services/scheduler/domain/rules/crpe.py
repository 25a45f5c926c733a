"""CRPE (in-company retraining agreement) — C. trav. L.5213-3-1, R.5213-15.

At most 18 months, inclusive end ``start + months - 1 day``. After a sickness
arrêt it also ends no later than three years after that arrêt began, read the
same inclusive way: ``arrêt start + 36 months - 1 day``. After a work accident
or occupational disease: 18 months whatever the arrêt. Interpretations: a
commuting accident is compensated as a work accident by social security
(CSS L.411-2), so it follows the AT/MP branch; maternity follows the sickness
branch (the stricter one). A CRPE starts after the arrêt it follows.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.scheduler.domain.rules.calendar import add_months
from services.scheduler.domain.rules.causes import Cause
from services.scheduler.domain.rules.errors import InvalidSituation
from services.scheduler.domain.rules.situation import Absence, checked_absence

MAX_MONTHS = 18
SICKNESS_LIMIT_MONTHS = 36
AT_MP_BRANCH = (Cause.accident_travail, Cause.maladie_professionnelle, Cause.accident_trajet)
ONE_DAY = timedelta(days=1)


def inclusive_end(start: date, months: int) -> date:
    """Last day of a period of ``months`` months starting on ``start``."""
    return add_months(start, months) - ONE_DAY


def crpe_latest_end(start: date, prior_absence: Absence) -> tuple[date, int]:
    """The last day the CRPE may run (inclusive), and the whole months that allows.

    :raises InvalidSituation: when the arrêt is invalid, when the CRPE would
        start before the arrêt ends, or after the three-year limit.
    """
    arret = checked_absence(prior_absence, "prior_absence")
    if start <= arret.end:
        raise InvalidSituation("start", "la CRPE commence après la fin de l'arrêt qui la précède")
    latest = inclusive_end(start, MAX_MONTHS)
    if arret.cause in AT_MP_BRANCH:
        return latest, MAX_MONTHS
    limit = inclusive_end(arret.start, SICKNESS_LIMIT_MONTHS)
    if limit >= latest:
        return latest, MAX_MONTHS
    if limit < start:
        raise InvalidSituation(
            "start", "la CRPE commencerait plus de trois ans après le début de l'arrêt maladie")
    months = max(m for m in range(MAX_MONTHS + 1) if inclusive_end(start, m) <= limit)
    return limit, months
