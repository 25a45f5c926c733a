"""What the page blueprints share: the clock, French dates, form parsing.

The pages read and show times in Europe/Paris; they store aware UTC instants.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from shared.db import utcnow

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def now() -> datetime:
    """The current instant: the scheduler's clock (tests set ``CLOCK`` to a callable)."""
    clock: Callable[[], datetime] | None = current_app.config.get("CLOCK")
    return clock() if callable(clock) else utcnow()


def french_date(day: date) -> str:
    """``mardi 15 avril 2025``."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{DAYS[day.weekday()]} {first} {MONTHS[day.month - 1]} {day.year}"


def french_time(moment: datetime) -> str:
    """``14 h 30`` in Paris."""
    local = moment.astimezone(PARIS)
    return f"{local.hour} h {local.minute:02d}"


def paris_long(moment: datetime | date | None) -> str:
    """``mardi 15 avril 2025 à 14 h 30`` (Paris time), or the date alone for a date."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        local = moment.astimezone(PARIS)
        return f"{french_date(local.date())} à {french_time(local)}"
    return french_date(moment)


def paris_short(moment: datetime | date | None) -> str:
    """``15/04/2025 14:30`` (Paris time), for tables and exports."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    return moment.strftime("%d/%m/%Y")


def paris_input_date(moment: datetime | date | None) -> str:
    """``2025-04-15``: the value of an ``<input type="date">``."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        return moment.astimezone(PARIS).date().isoformat()
    return moment.isoformat()


class FormError(ValueError):
    """A form field that cannot be read: ``field`` names it, ``message`` says why in French."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def parse_local(day_text: str, time_text: str, day_field: str = "date",
                time_field: str = "heure") -> datetime:
    """A Paris date and time from two form fields, as an aware UTC instant.

    :raises FormError: naming the field that is missing or malformed.
    """
    day_text, time_text = day_text.strip(), time_text.strip()
    if not day_text:
        raise FormError(day_field, "Indiquez une date.")
    try:
        day = date.fromisoformat(day_text)
    except ValueError as exc:
        raise FormError(day_field, "Date illisible : utilisez le format JJ/MM/AAAA.") from exc
    if not time_text:
        raise FormError(time_field, "Indiquez une heure.")
    try:
        clock = time.fromisoformat(time_text)
    except ValueError as exc:
        raise FormError(time_field, "Heure illisible : utilisez le format HH:MM.") from exc
    if not 1900 < day.year < 2200:
        raise FormError(day_field, "Date invalide.")
    local = datetime.combine(day, clock.replace(second=0, microsecond=0, tzinfo=None))
    return local.replace(tzinfo=PARIS).astimezone(UTC)


def install_filters(app: Flask) -> None:
    app.jinja_env.filters.update(paris_long=paris_long, paris_short=paris_short,
                                 french_date=french_date, french_time=french_time,
                                 paris_input_date=paris_input_date)
