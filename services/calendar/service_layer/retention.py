"""Erasing an employee's events on request, and purging old ones.

- :func:`erase`, asked by the scheduler when an employee's data is erased:
  each event named keeps its UID and times but loses every personal detail
  (a neutral summary, no attendee, no place, no video link) and is cancelled;
  its invitation e-mails (queued or sent, with their ICS) are deleted. No
  cancellation e-mail goes out: it would describe the person being erased.
  The planner's feed drops it, and a CalDAV calendar gets the deletion
  through the usual push. A new event may later reuse the UID (SEQUENCE goes
  on from there).
- :func:`purge`, the worker's nightly job: events ended more than
  ``RELAIS_RETENTION_MONTHS`` ago, with their invitations and push rows, and
  invitations finished (delivered, failed, superseded) before that.

Both are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.calendar.adapters.orm import CaldavPush, EventRow, InviteRow, Planner
from services.calendar.adapters.repository import CalendarRepository, to_event
from services.calendar.domain.model import Status
from services.calendar.service_layer import push
from services.calendar.service_layer.events import render_feed_vevent
from shared.db import Database
from shared.retention import months_before

log = logging.getLogger(__name__)
ERASED_SUMMARY = "Rendez-vous annulé"
FINISHED_INVITES = ("delivered", "failed", "superseded")


@dataclass
class Report:
    """How many rows an erasure or a purge changed or deleted."""

    events: int = 0
    invites: int = 0

    @property
    def total(self) -> int:
        return self.events + self.invites

    def counts(self) -> dict[str, int]:
        return {"events": self.events, "invites": self.invites}


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _touch_feeds(session: Session, planner_ids: set[int | None], now: datetime) -> None:
    for planner_id in planner_ids:
        planner = session.get(Planner, planner_id) if planner_id is not None else None
        if planner is not None:
            planner.feed_revision = (planner.feed_revision or 0) + 1
            planner.feed_changed_at = now


def _anonymised(row: EventRow) -> bool:
    return (row.status == Status.CANCELLED.value and row.summary == ERASED_SUMMARY
            and not row.attendees and row.location is None and row.video_url is None)


def erase(repo: CalendarRepository, uids: Sequence[str], now: datetime) -> Report:
    """Anonymise and cancel the events ``uids`` and delete their invitations."""
    report = Report()
    for uid in uids:
        row = repo.event(uid, lock=True)
        if row is None:
            continue
        report.invites += _rowcount(repo.session.execute(
            delete(InviteRow).where(InviteRow.event_id == row.id)))
        if _anonymised(row):
            continue
        row.summary, row.description = ERASED_SUMMARY, ""
        row.attendees, row.location, row.video_url = [], None, None
        row.status = Status.CANCELLED.value
        row.sequence += 1
        row.updated_at = now
        render_feed_vevent(row, to_event(row))
        _touch_feeds(repo.session, {row.planner_id}, now)
        repo.add(row)
        push.enqueue(repo, row, now)
        report.events += 1
    log.info("erasure: %s", report.counts())
    return report


def purge(db: Database, now: datetime, months: int, batch: int = 500,
          max_batches: int = 100) -> Report:
    """Delete what is older than ``months`` months before ``now`` (see the module)."""
    cutoff = months_before(now, months)
    report = Report()
    for _ in range(max_batches):
        with db.session() as session:
            rows = session.execute(select(EventRow.id, EventRow.planner_id).where(
                EventRow.end_at < cutoff).order_by(EventRow.id).limit(batch)).all()
            ids = [r[0] for r in rows]
            if ids:
                report.invites += _rowcount(session.execute(
                    delete(InviteRow).where(InviteRow.event_id.in_(ids))))
                session.execute(delete(CaldavPush).where(CaldavPush.event_id.in_(ids)))
                report.events += _rowcount(session.execute(
                    delete(EventRow).where(EventRow.id.in_(ids))))
                _touch_feeds(session, {r[1] for r in rows}, now)
        if len(ids) < batch:
            break
    with db.session() as session:
        report.invites += _rowcount(session.execute(delete(InviteRow).where(
            InviteRow.status.in_(FINISHED_INVITES), InviteRow.created_at < cutoff)))
    if report.total:
        log.info("retention purge (%d months): %s", months, report.counts())
    return report
