"""Chains of arrêts: prolongations joined, the current chain, days counted.

A chain is a run of arrêts in which each starts on or before the day after the
previous one ends. Arrêts may come in any order and may overlap: they are
sorted first, and a chain's days are the calendar days it covers, so that an
overlap is never counted twice (a chain covers every day from its start to its
end, so that is ``end - start + 1``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from services.scheduler.domain.rules.causes import Cause, most_protective
from services.scheduler.domain.rules.situation import Absence

ONE_DAY = timedelta(days=1)
#: The discontinuous count looks at the 365 days ending on a given day.
LOOKBACK_DAYS = 365


@dataclass(frozen=True)
class Chain:
    """A run of arrêts, the later ones prolonging the earlier ones."""

    start: date
    end: date
    arrets: tuple[Absence, ...]

    @property
    def days(self) -> int:
        """The calendar days covered, overlaps counted once."""
        return (self.end - self.start).days + 1

    @property
    def cause(self) -> Cause:
        """The most protective cause among its arrêts."""
        return most_protective(arret.cause for arret in self.arrets)


@dataclass(frozen=True)
class CurrentAbsence:
    """The current chain as the API shows it."""

    start: date
    end: date
    days: int
    cause: Cause

    @classmethod
    def of(cls, chain: Chain) -> CurrentAbsence:
        """The API view of ``chain``."""
        return cls(chain.start, chain.end, chain.days, chain.cause)


def build_chains(absences: Iterable[Absence]) -> tuple[Chain, ...]:
    """The chains formed by ``absences`` (in any order), earliest first."""
    chains: list[Chain] = []
    for arret in sorted(absences, key=lambda a: (a.start, a.end)):
        last = chains[-1] if chains else None
        if last is not None and arret.start <= last.end + ONE_DAY:
            chains[-1] = Chain(last.start, max(last.end, arret.end), (*last.arrets, arret))
        else:
            chains.append(Chain(arret.start, arret.end, (arret,)))
    return tuple(chains)


def current_chain(chains: tuple[Chain, ...]) -> Chain | None:
    """The latest chain, whatever ``as_of``: future arrêts are taken as announced."""
    return chains[-1] if chains else None


def cut_at_return(absences: Iterable[Absence], return_date: date) -> tuple[Absence, ...]:
    """``absences`` as they stand after an early return on ``return_date``.

    The employee worked on ``return_date``: arrêts starting then or later are
    dropped and the others end at the latest the day before.
    """
    last_day_off = return_date - ONE_DAY
    return tuple(
        Absence(a.cause, a.start, min(a.end, last_day_off))
        for a in absences
        if a.start < return_date
    )


def arret_days_between(chains: Iterable[Chain], first: date, last: date) -> int:
    """Calendar days off work from ``first`` to ``last`` included.

    An arrêt that straddles ``first`` counts only for its days inside.
    """
    total = 0
    for chain in chains:
        overlap = (min(chain.end, last) - max(chain.start, first)).days + 1
        total += max(overlap, 0)
    return total


def arret_days_in_year_to(chains: Iterable[Chain], day: date) -> int:
    """Days off work within the 365 days ending on ``day`` (``day`` included)."""
    return arret_days_between(chains, day - timedelta(days=LOOKBACK_DAYS - 1), day)


def discontinuous_threshold_day(chains: tuple[Chain, ...], more_than: int) -> date | None:
    """The first day of the current chain on which the discontinuous count exceeds ``more_than``.

    The count is :func:`arret_days_in_year_to` that day. It never drops while
    the chain runs (each day adds one and removes at most one), so if it
    exceeds ``more_than`` on the chain's last day, such a first day exists.
    """
    current = current_chain(chains)
    if current is None or arret_days_in_year_to(chains, current.end) <= more_than:
        return None
    # Earlier chains give at most ``earlier`` days to any 365-day window ending
    # in the current chain, so the count cannot exceed ``more_than`` before the
    # chain's own days reach ``more_than + 1 - earlier``: start looking there.
    earlier = arret_days_between(
        chains[:-1], current.start - timedelta(days=LOOKBACK_DAYS - 1), current.end)
    candidate = current.start + timedelta(days=max(more_than - earlier, 0))
    while arret_days_in_year_to(chains, candidate) <= more_than:
        candidate += ONE_DAY
    return candidate
