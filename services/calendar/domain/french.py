"""Dates written the way French e-mails write them, in Paris time.

Pure standard library; the notifier has its own copy of the same rule for its
templates (``date_fr``): the services share no domain code.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def date_fr(moment: datetime) -> str:
    """An aware datetime -> ``mardi 15 avril 2025 à 10 h 00`` (Paris time, « 1er »).

    :raises ValueError: for a naive datetime.
    """
    if moment.tzinfo is None:
        raise ValueError("date et heure sans fuseau horaire")
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return (f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year} "
            f"à {local.hour} h {local.minute:02d}")
