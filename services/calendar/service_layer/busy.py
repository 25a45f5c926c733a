"""Busy times of a planner: their Relais events and, when set, their CalDAV calendar.

The CalDAV side is read after the database session is closed, and its failure
is reported in the answer rather than failing the whole request: the scheduler
can still propose slots from what Relais knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.calendar.adapters.calendar_push import CalendarPush, CalendarUnavailable
from services.calendar.adapters.orm import CaldavAccount
from services.calendar.adapters.repository import CalendarRepository
from services.calendar.domain.busy import BusyPeriod, Source, merge
from services.calendar.service_layer.planners import get_planner


@dataclass(frozen=True)
class RelaisBusy:
    """Read from the database: Relais's periods and what is needed to ask CalDAV."""

    periods: list[BusyPeriod]
    uids: set[str]
    account: CaldavAccount | None


@dataclass(frozen=True)
class BusyAnswer:
    periods: list[BusyPeriod]
    caldav: str
    """``ok``, ``unavailable`` or ``not_configured``."""
    caldav_error: str | None = None


def relais_busy(repo: CalendarRepository, planner_id: int, start: datetime,
                end: datetime) -> RelaisBusy:
    """:raises NotFound: for an unknown planner."""
    get_planner(repo, planner_id)
    rows = repo.events_between(planner_id, start, end, include_cancelled=False)
    periods = [BusyPeriod(r.start_at, r.end_at, Source.RELAIS) for r in rows]
    account = repo.caldav_account(planner_id)
    if account is not None:
        repo.session.expunge(account)
    return RelaisBusy(periods, {r.uid for r in rows}, account)


def busy_times(known: RelaisBusy, connect: Callable[[CaldavAccount], CalendarPush],
               start: datetime, end: datetime) -> BusyAnswer:
    """Merge ``known`` with the planner's CalDAV calendar, if they have one."""
    if known.account is None:
        return BusyAnswer(sorted(known.periods), "not_configured")
    try:
        remote = connect(known.account).busy(start, end)
    except (CalendarUnavailable, ValueError) as exc:
        return BusyAnswer(sorted(known.periods), "unavailable", str(exc)[:300])
    periods = [BusyPeriod(r.start, r.end, Source.CALDAV) for r in remote]
    merged = merge(known.periods, periods, known.uids, [r.uid for r in remote])
    return BusyAnswer(merged, "ok")

