"""Quiet hours: when an SMS may reach someone's phone.

No SMS between 20:00 and 08:00 (Europe/Paris), nor on Sundays, nor on French
public holidays; a message due then waits for the next allowed moment. E-mail
is unaffected. Time is passed in; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

HolidayCheck = Callable[[date], bool]


def no_holidays(_day: date) -> bool:
    return False


@dataclass(frozen=True)
class QuietHours:
    """The window in which SMS may be sent.

    :param start: first allowed local time (08:00).
    :param end: first forbidden local time (20:00).
    :param is_holiday: tells whether a local date is a public holiday.
    :param sundays: whether Sundays are quiet.
    """

    start: time = time(8, 0)
    end: time = time(20, 0)
    is_holiday: HolidayCheck = field(default=no_holidays)
    sundays: bool = True
    zone: ZoneInfo = PARIS

    def _day_allowed(self, day: date) -> bool:
        if self.sundays and day.weekday() == 6:
            return False
        return not self.is_holiday(day)

    def allows(self, moment: datetime) -> bool:
        """True when an SMS may be sent at ``moment`` (an aware datetime)."""
        local = _aware(moment).astimezone(self.zone)
        return self._day_allowed(local.date()) and self.start <= local.time() < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself when allowed, else the next allowed instant (in UTC).

        The opening time is resolved in local time each day, so DST changes
        move it with the clocks (08:00 Paris is 07:00 UTC in winter, 06:00 in
        summer).
        """
        moment = _aware(moment)
        if self.allows(moment):
            return moment.astimezone(UTC)
        local = moment.astimezone(self.zone)
        day = local.date()
        if local.time() >= self.start:
            day += timedelta(days=1)
        for _ in range(30):  # at worst a few holidays next to a Sunday
            if self._day_allowed(day):
                opening = datetime.combine(day, self.start, tzinfo=self.zone)
                return opening.astimezone(UTC)
            day += timedelta(days=1)
        raise ValueError("aucun jour autorisé dans les 30 prochains jours")


def earliest_send(
    now: datetime, not_before: datetime | None, quiet: QuietHours | None
) -> datetime:
    """The first instant a message may go: after ``not_before``, outside quiet hours.

    :param quiet: the SMS window, or None for e-mail.
    """
    due = max(_aware(now), _aware(not_before)) if not_before is not None else _aware(now)
    return quiet.next_allowed(due) if quiet is not None else due.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("horodatage sans fuseau horaire")
    return moment
