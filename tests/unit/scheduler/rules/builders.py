"""Short builders for the rules tests: ISO strings in, domain values out."""

from __future__ import annotations

from datetime import date

from services.scheduler.domain.rules import Absence, Cause, Window
from services.scheduler.domain.rules.chains import Chain, build_chains


def d(iso: str) -> date:
    """The date written ``YYYY-MM-DD``."""
    return date.fromisoformat(iso)


def arret(cause: str, start: str, end: str) -> Absence:
    """An arrêt from ISO strings."""
    return Absence(Cause(cause), d(start), d(end))


def sick(start: str, end: str) -> Absence:
    """A sickness arrêt (maladie) from ISO strings."""
    return arret("maladie", start, end)


def window(earliest: str, latest: str) -> Window:
    """A window from ISO strings."""
    return Window(d(earliest), d(latest))


def chain_of(*absences: Absence) -> Chain:
    """The current (latest) chain formed by ``absences``."""
    return build_chains(absences)[-1]
