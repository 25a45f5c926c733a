"""Essai encadré (supervised trial) — CSS L.323-3-1.

14 jours ouvrables per period, renewable once: at most 28 jours ouvrables.
The start day counts as day 1 when it is a jour ouvrable (Monday to Saturday,
public holidays excluded); otherwise day 1 is the next jour ouvrable.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.scheduler.domain.rules.calendar import check_region, is_jour_ouvrable
from services.scheduler.domain.rules.errors import InvalidSituation

PERIOD_DAYS = 14
MAX_DAYS = 2 * PERIOD_DAYS


def essai_encadre_end(start: date, days: int = PERIOD_DAYS, region: str = "national") -> date:
    """The ``days``-th jour ouvrable from ``start``, ``start`` being day 1 if it is one.

    :raises InvalidSituation: ``days`` outside 1..28, or an unknown region.
    """
    if isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidSituation(
            "days", f"nombre de jours ouvrables entre 1 et {MAX_DAYS} attendu : un essai "
                    f"encadré dure {PERIOD_DAYS} jours ouvrables, renouvelable une fois "
                    f"(CSS L.323-3-1)")
    check_region(region)
    day, counted = start, 0
    while True:
        if is_jour_ouvrable(day, region):
            counted += 1
            if counted == days:
                return day
        day += timedelta(days=1)
