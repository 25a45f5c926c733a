"""Warnings: what the reader must know beside the dates, with a stable code.

Codes are part of the API contract once published; messages are French. A
deadline on a Sunday or a public holiday is reported, never moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.rules.calendar import is_non_working_deadline, is_public_holiday

DEADLINE_NON_WORKING_DAY = "deadline_non_working_day"
LIAISON_WINDOW_IMPOSSIBLE = "liaison_window_impossible"
LIAISON_NOT_ELIGIBLE = "liaison_not_eligible"
REFERENT_HANDICAP_NOT_ALLOWED = "referent_handicap_not_allowed"
EARLY_RETURN = "early_return"
MID_CAREER_DUE_AT_ONCE = "mid_career_due_at_once"

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class RuleWarning:
    """A stable ``code`` and a French ``message`` for people."""

    code: str
    message: str


def french_day(day: date) -> str:
    """``day`` as "lundi 2025-04-21": the weekday helps, ISO avoids ambiguity."""
    return f"{_WEEKDAYS[day.weekday()]} {day.isoformat()}"


def deadline_warnings(deadlines: Iterable[tuple[str, date]], region: str) -> list[RuleWarning]:
    """A warning for each ``(label, day)`` deadline on a Sunday or a public holiday."""
    found = []
    for label, day in deadlines:
        if is_non_working_deadline(day, region):
            kind = "jour férié" if is_public_holiday(day, region) else "dimanche"
            found.append(RuleWarning(
                DEADLINE_NON_WORKING_DAY,
                f"L'échéance « {label} » tombe le {french_day(day)} ({kind}) : "
                f"elle n'est pas reportée."))
    return found


def liaison_window_impossible(earliest: date, latest: date) -> RuleWarning:
    """The liaison window is empty: say which bounds crossed."""
    return RuleWarning(
        LIAISON_WINDOW_IMPOSSIBLE,
        f"Aucune date possible pour le rendez-vous de liaison : au plus tôt le "
        f"{french_day(earliest)} (SPST prévenu 8 jours avant), au plus tard le "
        f"{french_day(latest)} (15 jours après la demande, pendant l'arrêt).")


def liaison_not_eligible() -> RuleWarning:
    """A liaison meeting was asked for without an arrêt of more than 30 days."""
    return RuleWarning(
        LIAISON_NOT_ELIGIBLE,
        "Le rendez-vous de liaison est demandé alors que l'arrêt ne dépasse pas 30 jours, "
        "même en cumulant les arrêts des 365 derniers jours.")


def referent_handicap_not_allowed() -> RuleWarning:
    """The employee consents, but the company is too small (or its size unknown)."""
    return RuleWarning(
        REFERENT_HANDICAP_NOT_ALLOWED,
        "Le référent handicap ne peut assister au rendez-vous de liaison que dans une "
        "entreprise d'au moins 250 salariés.")


def early_return(return_date: date, planned_end: date) -> RuleWarning:
    """The employee returned before the arrêt's planned end."""
    return RuleWarning(
        EARLY_RETURN,
        f"Reprise anticipée le {french_day(return_date)}, avant la fin prévue de l'arrêt "
        f"({french_day(planned_end)}) : l'employeur la déclare sans délai (DSN). "
        f"L'arrêt est compté jusqu'à la veille de la reprise.")


def mid_career_due_at_once(latest: date) -> RuleWarning:
    """The mid-career year is over: a visit not held is due at once."""
    return RuleWarning(
        MID_CAREER_DUE_AT_ONCE,
        f"L'année de la visite de mi-carrière s'est achevée le {latest.isoformat()} : "
        f"si elle n'a pas eu lieu, elle est due sans délai.")
