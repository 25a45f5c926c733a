"""Calendar arithmetic of the rules: public holidays, jours ouvrables, months.

Public holidays come from the ``holidays`` package, country ``FR``. Region
``national`` is the national list; ``alsace-moselle`` is the package's
subdivision ``57`` (alias "Alsace-Moselle"), which adds exactly Good Friday and
26 December. The package follows the law's history: Whit Monday was not a
public holiday in 2005–2007 (journée de solidarité), and it is not listed then.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache

import holidays

from services.scheduler.domain.rules.errors import InvalidSituation

REGIONS: tuple[str, ...] = ("national", "alsace-moselle")
_SUBDIVISIONS: dict[str, str | None] = {"national": None, "alsace-moselle": "57"}
_SATURDAY, _SUNDAY = 5, 6


def check_region(region: str, field: str = "region") -> None:
    """Refuse a region whose holidays the rules do not know.

    :raises InvalidSituation: naming ``field`` when ``region`` is unknown.
    """
    if region not in _SUBDIVISIONS:
        raise InvalidSituation(
            field, f"région {region!r} inconnue ; valeurs possibles : {', '.join(REGIONS)}")


@cache
def public_holidays(region: str, year: int) -> frozenset[date]:
    """The public holidays of ``year`` in ``region`` (cached: they never change).

    :raises InvalidSituation: when ``region`` is unknown.
    """
    check_region(region)
    calendar = holidays.country_holidays("FR", subdiv=_SUBDIVISIONS[region], years=year)
    return frozenset(calendar.keys())


def is_public_holiday(day: date, region: str) -> bool:
    """Whether ``day`` is a public holiday in ``region``."""
    return day in public_holidays(region, day.year)


def is_jour_ouvrable(day: date, region: str) -> bool:
    """Monday to Saturday, public holidays excluded."""
    return day.weekday() != _SUNDAY and not is_public_holiday(day, region)


def is_working_day(day: date, region: str) -> bool:
    """Monday to Friday, public holidays excluded: days a meeting may be proposed."""
    return day.weekday() < _SATURDAY and not is_public_holiday(day, region)


def is_non_working_deadline(day: date, region: str) -> bool:
    """Whether a deadline on ``day`` deserves a warning: a Sunday or a public holiday.

    Saturday is a jour ouvrable, so a deadline on a Saturday is not flagged.
    """
    return day.weekday() == _SUNDAY or is_public_holiday(day, region)


def days_from(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included (none when ``last < first``)."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def non_working_days(first: date, last: date, region: str) -> tuple[date, ...]:
    """The Saturdays, Sundays and public holidays from ``first`` to ``last`` included."""
    return tuple(day for day in days_from(first, last) if not is_working_day(day, region))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months: same day of month, else the month's last day.

    2025-01-31 + 1 month = 2025-02-28; 2024-01-31 + 1 month = 2024-02-29.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, _month_length(year, month)))


def _month_length(year: int, month: int) -> int:
    # The first of the next month minus one day avoids a leap-year table.
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
