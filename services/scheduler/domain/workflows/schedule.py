"""When due actions fall: reminders, escalations, mid-career follow-ups.

Times are wall-clock Europe/Paris turned into aware UTC instants, so that a
reminder at 10:00 stays at 10:00 across the daylight-saving changes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.scheduler.domain.rules import Window, add_months

PARIS = ZoneInfo("Europe/Paris")
REMINDER_MINUTE = 10 * 60
ESCALATION_MINUTE = 9 * 60
MISSED_MINUTE = 5

LIAISON_REMINDER = "liaison_reminder"
LIAISON_PROPOSE_SLOTS = "liaison_propose_slots"
REPRISE_D3, REPRISE_D1, REPRISE_MISSED = "reprise_d3", "reprise_d1", "reprise_missed"
MID_CAREER_MIDYEAR, MID_CAREER_CLOSING = "mid_career_midyear", "mid_career_closing"
DUE_KINDS = (LIAISON_REMINDER, LIAISON_PROPOSE_SLOTS, REPRISE_D3, REPRISE_D1, REPRISE_MISSED,
             MID_CAREER_MIDYEAR, MID_CAREER_CLOSING)


def paris_time(day: date, minute: int) -> datetime:
    """``day`` at ``minute`` minutes after midnight in Paris, as an aware UTC instant."""
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=PARIS)
    return local.astimezone(UTC)


def paris_day(moment: datetime) -> date:
    """The date in Paris at the aware instant ``moment``."""
    return moment.astimezone(PARIS).date()


def reminder_at(starts_at: datetime) -> datetime:
    """The reminder of an appointment: the day before, 10:00 Paris."""
    return paris_time(paris_day(starts_at) - timedelta(days=1), REMINDER_MINUTE)


def reprise_actions(deadline: date) -> list[tuple[str, datetime]]:
    """Escalations of a reprise visit due by ``deadline``: D-3, D-1 and missed."""
    return [
        (REPRISE_D3, paris_time(deadline - timedelta(days=3), ESCALATION_MINUTE)),
        (REPRISE_D1, paris_time(deadline - timedelta(days=1), ESCALATION_MINUTE)),
        (REPRISE_MISSED, paris_time(deadline + timedelta(days=1), MISSED_MINUTE)),
    ]


def mid_career_actions(window: Window) -> list[tuple[str, datetime]]:
    """Follow-ups of a mid-career window: its middle and two months before it closes."""
    months = (window.latest.year - window.earliest.year) * 12 + (
        window.latest.month - window.earliest.month) + 1
    middle = add_months(window.earliest, months // 2)
    closing = add_months(window.latest + timedelta(days=1), -2)
    return [(MID_CAREER_MIDYEAR, paris_time(middle, ESCALATION_MINUTE)),
            (MID_CAREER_CLOSING, paris_time(closing, ESCALATION_MINUTE))]


def future_only(actions: list[tuple[str, datetime]], now: datetime) -> list[tuple[str, datetime]]:
    """The actions still ahead of ``now`` (an action already past is not created)."""
    return [(kind, due) for kind, due in actions if due > now]
