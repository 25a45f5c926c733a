"""CalDAV push: the outbox of event changes and the sweep that delivers it.

:func:`enqueue` runs in the transaction of the event change. :func:`run_due`
is the worker's job: it claims due rows one by one with a conditional UPDATE
(safe with several workers on PostgreSQL and SQLite alike: only one UPDATE
matches the row's current state), commits the claim before any network call,
pushes, then records the outcome for the claimed generation only: a change
made meanwhile stays pending and is pushed next time.

Failures are retried with exponential backoff and jitter up to
:data:`MAX_ATTEMPTS`, then the row is ``failed`` until the event changes again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from services.calendar.adapters.calendar_push import CalendarPush, CalendarUnavailable
from services.calendar.adapters.orm import CaldavAccount, CaldavPush, EventRow
from services.calendar.adapters.repository import CalendarRepository, to_event
from services.calendar.domain import ics
from shared.db import Database

log = logging.getLogger(__name__)

PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"
MAX_ATTEMPTS = 12
FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(minutes=2)
"""A claimed row whose worker died is claimable again after this."""

Connect = Callable[[CaldavAccount], CalendarPush]


def backoff(attempts: int, jitter: float | None = None) -> timedelta:
    """Delay before attempt ``attempts + 1``: 10 s, 20 s, 40 s… capped at one hour, ±20 %."""
    base = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    factor = 1 + (jitter if jitter is not None else random.uniform(-0.2, 0.2))
    return timedelta(seconds=base.total_seconds() * factor)


def enqueue(repo: CalendarRepository, row: EventRow, now: datetime) -> CaldavPush | None:
    """Schedule the push of ``row`` if its planner has a CalDAV calendar."""
    if row.planner_id is None or repo.caldav_account(row.planner_id) is None:
        return None
    pending = repo.push_of(row.id)
    if pending is None:
        pending = CaldavPush(event_id=row.id, planner_id=row.planner_id, generation=0)
    pending.planner_id = row.planner_id
    pending.generation = (pending.generation or 0) + 1
    pending.status, pending.attempts, pending.last_error = PENDING, 0, None
    pending.next_attempt_at = now
    repo.add(pending)
    return pending


@dataclass(frozen=True)
class Claim:
    """What the worker pushes, read inside the claiming transaction."""

    push_id: int
    generation: int
    uid: str
    ics_text: str | None
    """None: the event is cancelled, delete it."""
    account: CaldavAccount


@dataclass
class SweepReport:
    pushed: int = 0
    failed: int = 0
    skipped: int = 0


def _claim(repo: CalendarRepository, item: CaldavPush, now: datetime) -> Claim | None:
    claimed = repo.session.execute(
        update(CaldavPush)
        .where(CaldavPush.id == item.id, CaldavPush.status == item.status,
               CaldavPush.generation == item.generation,
               CaldavPush.next_attempt_at == item.next_attempt_at)
        .values(status=IN_PROGRESS, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = repo.session.get(EventRow, item.event_id)
    account = repo.caldav_account(item.planner_id)
    if row is None or account is None:
        return None
    repo.session.expunge(account)
    event = to_event(row)
    text = None if event.cancelled else ics.render(event, None, row.updated_at)
    return Claim(item.id, item.generation, row.uid, text, account)


def _record(repo: CalendarRepository, claim: Claim, now: datetime,
            error: str | None) -> None:
    current = repo.session.get(CaldavPush, claim.push_id)
    if current is None or current.generation != claim.generation:
        return  # changed meanwhile: the newer generation is pending
    current.attempts += 1
    if error is None:
        current.status, current.last_error, current.pushed_at = DONE, None, now
    else:
        current.last_error = error[:500]
        exhausted = current.attempts >= MAX_ATTEMPTS
        current.status = FAILED if exhausted else PENDING
        current.next_attempt_at = now + backoff(current.attempts)


def run_due(db: Database, connect: Connect, now: datetime, limit: int = 50) -> SweepReport:
    """Push every due row (at most ``limit``); one short transaction per step."""
    report = SweepReport()
    with db.session() as session:
        due = [(p.id, p) for p in CalendarRepository(session).due_pushes(now, limit)]
        for _, item in due:
            session.expunge(item)
    for _, item in due:
        with db.session() as session:
            repo = CalendarRepository(session)
            claim = _claim(repo, item, now)
        if claim is None:
            report.skipped += 1
            continue
        error = _deliver(connect, claim)
        with db.session() as session:
            _record(CalendarRepository(session), claim, now, error)
        if error is None:
            report.pushed += 1
        else:
            report.failed += 1
            log.warning("CalDAV push %s failed: %s", claim.uid, error)
    return report


def _deliver(connect: Connect, claim: Claim) -> str | None:
    try:
        calendar = connect(claim.account)
        if claim.ics_text is None:
            calendar.delete(claim.uid)
        else:
            calendar.put(claim.ics_text, claim.uid)
    except CalendarUnavailable as exc:
        return str(exc) or exc.__class__.__name__
    except ValueError as exc:  # unreadable password: wrong key
        return str(exc)
    except Exception as exc:  # a bug must not stop the sweep; the row is retried
        log.exception("CalDAV push %s: unexpected error", claim.uid)
        return f"erreur inattendue : {exc.__class__.__name__}"
    return None
