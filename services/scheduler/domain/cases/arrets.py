"""The dates of an employee's arrêts and of their return to work.

An arrêt runs from ``start`` to ``end``, both inclusive. A prolongation is
stored as one more arrêt starting on or before the day after the previous end;
arrêts of one employee never overlap, so no day is counted twice.

The employee's **return date** is the first day actually worked after the
latest chain of arrêts. One value is kept (the current one), under one
invariant: it falls after the first day of every stored arrêt. So:

- it may fall before the last day of the latest arrêt: that is an early
  return, which the rules engine handles (it cuts the arrêt at the return and
  warns ``early_return``), as ``POST /api/v1/evaluate`` does;
- an arrêt that starts on or after the return date opens a new chain (or
  shows the return did not happen): the return belongs to the past and is
  forgotten, the rules only need the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.cases.errors import CaseConflict, InvalidValue


@dataclass(frozen=True)
class Period:
    """The days of one arrêt, both inclusive."""

    start: date
    end: date

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


def check_period(period: Period, others: Iterable[Period] = ()) -> None:
    """Refuse an arrêt that ends before it starts or overlaps another one.

    :param others: the employee's other arrêts (not this one).
    :raises InvalidValue: when ``end`` precedes ``start``.
    :raises CaseConflict: when it shares a day with another arrêt.
    """
    if period.end < period.start:
        raise InvalidValue("end", "la fin de l'arrêt précède son début")
    for other in others:
        if period.overlaps(other):
            raise CaseConflict(
                "arret_overlap", "start",
                f"l'arrêt chevauche l'arrêt du {other.start:%d/%m/%Y} au {other.end:%d/%m/%Y} ; "
                "une prolongation commence au plus tard le lendemain de la fin du précédent",
            )


def check_return_date(return_date: date, periods: Iterable[Period]) -> None:
    """Refuse a return date that does not follow the start of every arrêt.

    :raises CaseConflict: without any arrêt, or when the date is not after the
        first day of the latest arrêt.
    """
    last_start = max((p.start for p in periods), default=None)
    if last_start is None:
        raise CaseConflict("no_arret", "return_date", "aucun arrêt enregistré pour ce salarié")
    if return_date <= last_start:
        raise CaseConflict(
            "return_before_arret", "return_date",
            f"le premier jour travaillé doit suivre le début du dernier arrêt "
            f"({last_start:%d/%m/%Y})",
        )


def return_date_after_write(return_date: date | None, period: Period) -> date | None:
    """The return date to keep once ``period`` is created or changed.

    :returns: ``None`` when the arrêt starts on or after the return (a new
        chain), the unchanged date otherwise (an arrêt reaching past it makes
        the return an early one).
    """
    if return_date is None or period.start >= return_date:
        return None
    return return_date
