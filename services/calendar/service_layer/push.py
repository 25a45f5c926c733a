"""CalDAV push: the outbox of event changes towards planners' calendars.

:func:`enqueue` runs in the transaction of the event change. :func:`run_due`
is the worker's job, on the shared sweep of :mod:`.outbox`: a row is claimed
(its generation included), the event is pushed, then the outcome is recorded
for the claimed generation only: a change made meanwhile stays pending and is
pushed next time.

Failures are retried with exponential backoff and jitter up to
:data:`~.outbox.MAX_ATTEMPTS`, then the row is ``failed`` until the event
changes again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from services.calendar.adapters.calendar_push import CalendarPush, CalendarUnavailable
from services.calendar.adapters.orm import CaldavAccount, CaldavPush, EventRow
from services.calendar.adapters.repository import CalendarRepository, to_event
from services.calendar.domain import ics
from services.calendar.service_layer import outbox
from services.calendar.service_layer.outbox import PENDING, Outcome, SweepReport
from shared.db import Database

log = logging.getLogger(__name__)

Connect = Callable[[CaldavAccount], CalendarPush]


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


class PushJob(outbox.OutboxJob[CaldavPush, Claim]):
    """The CalDAV outbox: one row per event, its ``generation`` raised by each change."""

    model = CaldavPush
    name = "CalDAV push"

    def __init__(self, connect: Connect, policy: outbox.RetryPolicy | None = None) -> None:
        super().__init__(policy)
        self.connect = connect

    def claim(self, session: Session, item: CaldavPush, now: datetime) -> Claim | None:
        lease = outbox.claim_row(session, CaldavPush, item, now, self.policy,
                                 CaldavPush.generation == item.generation)
        if lease is None:
            return None
        repo = CalendarRepository(session)
        row = session.get(EventRow, item.event_id)
        account = repo.caldav_account(item.planner_id)
        if row is None or account is None:
            return None
        session.expunge(account)
        event = to_event(row)
        text = None if event.cancelled else ics.render(event, None, row.updated_at)
        return Claim(item.id, item.generation, row.uid, text, account)

    def deliver(self, claim: Claim) -> Outcome:
        try:
            calendar = self.connect(claim.account)
            if claim.ics_text is None:
                calendar.delete(claim.uid)
            else:
                calendar.put(claim.ics_text, claim.uid)
        except CalendarUnavailable as exc:
            return Outcome(error=str(exc) or exc.__class__.__name__)
        except ValueError as exc:  # unreadable password: wrong key
            return Outcome(error=str(exc))
        return Outcome()

    def record(self, session: Session, claim: Claim, outcome: Outcome, now: datetime) -> None:
        current = session.get(CaldavPush, claim.push_id)
        if current is None or current.generation != claim.generation:
            return  # changed meanwhile: the newer generation is pending
        outbox.apply_outcome(current, outcome, now, self.policy)
        if outcome.delivered:
            current.pushed_at = now


def run_due(db: Database, connect: Connect, now: datetime, limit: int = 50,
            policy: outbox.RetryPolicy | None = None) -> SweepReport:
    """Push every due row (at most ``limit``); one short transaction per step."""
    return outbox.run(db, PushJob(connect, policy), now, limit)
