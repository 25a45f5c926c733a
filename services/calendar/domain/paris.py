"""A fixed, RRULE-based VTIMEZONE for Europe/Paris.

``icalendar``'s ``add_missing_timezones()`` writes RDATE lists that Outlook
mishandles; this one states the EU rule itself, as Outlook and Exchange write
it: summer time from the last Sunday of March at 02:00 (+01:00 → +02:00), winter
time from the last Sunday of October at 03:00 (+02:00 → +01:00). The rule has
been the same since 1996, which is what ``DTSTART`` says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

TZID = "Europe/Paris"
_SINCE = 1996


def _observance(kind: type[TimezoneStandard] | type[TimezoneDaylight], name: str,
                start: datetime, before: int, after: int,
                month: int) -> TimezoneStandard | TimezoneDaylight:
    observance = kind()
    observance.add("tzname", name)
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", timedelta(hours=before))
    observance.add("tzoffsetto", timedelta(hours=after))
    observance.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
    return observance


def paris_timezone() -> Timezone:
    """The VTIMEZONE component of Europe/Paris (a new one each call: components are mutable)."""
    timezone = Timezone()
    timezone.add("tzid", TZID)
    timezone.add("x-lic-location", TZID)
    timezone.add_component(_observance(
        TimezoneDaylight, "CEST", datetime(_SINCE, 3, 31, 2, 0), 1, 2, 3))
    timezone.add_component(_observance(
        TimezoneStandard, "CET", datetime(_SINCE, 10, 27, 3, 0), 2, 1, 10))
    return timezone
