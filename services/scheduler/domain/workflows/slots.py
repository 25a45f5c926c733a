"""Liaison meeting slots: proposed inside the legal window, checked when chosen.

A slot is a start time of ``duration`` minutes on a working day of the
employer's region (Monday to Friday, no public holiday), inside the SPST's
office hours (Europe/Paris), not overlapping a busy period of the planner.
The window itself comes from the rules engine (``liaison_window``): it
already holds the 8 days' notice to the SPST and the 15 days after ``T0``.
Three slots are spread over the window, one per day, so that the employer has
a real choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.scheduler.domain.rules import Window
from services.scheduler.domain.rules.calendar import days_from, is_public_holiday, is_working_day
from services.scheduler.domain.workflows.schedule import PARIS, paris_day, paris_time

SLOT_STEP = 30  # minutes between candidate start times
PROPOSED = 3


@dataclass(frozen=True)
class OfficeHours:
    """Opening and closing time, in minutes after midnight (Paris)."""

    opens: int = 9 * 60
    closes: int = 17 * 60

    def __post_init__(self) -> None:
        if not 0 <= self.opens < self.closes <= 24 * 60:
            raise ValueError("office hours: 0 <= opens < closes <= 1440")


@dataclass(frozen=True)
class Interval:
    """A busy period, ``[start, end)``, aware datetimes."""

    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


def _minute_of(moment: datetime) -> int:
    local = moment.astimezone(PARIS)
    return local.hour * 60 + local.minute


def candidates(window: Window, region: str, hours: OfficeHours, busy: Sequence[Interval],
               duration: int) -> list[list[datetime]]:
    """Free start times, grouped by day, earliest first."""
    length = timedelta(minutes=duration)
    days = []
    for day in days_from(window.earliest, window.latest):
        if not is_working_day(day, region):
            continue
        free = []
        for minute in range(hours.opens, hours.closes - duration + 1, SLOT_STEP):
            start = paris_time(day, minute)
            if not any(period.overlaps(start, start + length) for period in busy):
                free.append(start)
        if free:
            days.append(free)
    return days


def propose_slots(window: Window, *, region: str, hours: OfficeHours,
                  busy: Sequence[Interval] = (), duration: int = 60,
                  count: int = PROPOSED) -> list[datetime]:
    """Up to ``count`` start times spread over the window, one per day; none if it is empty.

    The days are taken at even intervals over the days that have a free time,
    each at its first free time.
    """
    if window.is_empty or count <= 0:
        return []
    days = candidates(window, region, hours, busy, duration)
    if len(days) <= count:
        return [free[0] for free in days]
    if count == 1:
        return [days[0][0]]
    step = (len(days) - 1) / (count - 1)
    return [days[round(index * step)][0] for index in range(count)]


def refusal(starts_at: datetime, *, window: Window, region: str, hours: OfficeHours,
            duration: int = 60) -> str | None:
    """Why ``starts_at`` cannot be taken for the meeting, in French; None when it can."""
    if starts_at.tzinfo is None:
        return "date et heure avec fuseau horaire attendues"
    day = paris_day(starts_at)
    if window.is_empty:
        return (f"aucune date possible : la fenêtre légale est vide (au plus tôt le "
                f"{window.earliest:%d/%m/%Y}, au plus tard le {window.latest:%d/%m/%Y})")
    if day < window.earliest:
        return (f"trop tôt : le SPST doit être prévenu au moins 8 jours avant ; "
                f"première date possible le {window.earliest:%d/%m/%Y}")
    if day > window.latest:
        return (f"trop tard : le rendez-vous a lieu dans les 15 jours de la demande et pendant "
                f"l'arrêt ; dernière date possible le {window.latest:%d/%m/%Y}")
    if is_public_holiday(day, region):
        return f"le {day:%d/%m/%Y} est un jour férié"
    if not is_working_day(day, region):
        return f"le {day:%d/%m/%Y} n'est pas un jour ouvré (du lundi au vendredi)"
    start = _minute_of(starts_at)
    if start < hours.opens or start + duration > hours.closes:
        return (f"en dehors des heures d'ouverture ({_hhmm(hours.opens)} – "
                f"{_hhmm(hours.closes)})")
    return None


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
