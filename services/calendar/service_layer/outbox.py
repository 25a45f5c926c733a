"""The calendar's outboxes: rows written with a change, delivered later by the worker.

Two tables follow this pattern, ``caldav_pushes`` (an event towards its
planner's CalDAV calendar) and ``invites`` (an iMIP e-mail towards one
attendee, through the notifier). Both carry the columns of
:class:`~services.calendar.adapters.orm.OutboxColumns`; this module holds what
they share:

- :class:`RetryPolicy`: exponential backoff with jitter, bounded attempts, and
  the lease after which a row claimed by a worker that died is due again;
- :func:`claim_row`: the claim, a conditional ``UPDATE`` that only one worker
  can win on PostgreSQL and SQLite alike (SQLite ignores ``FOR UPDATE SKIP
  LOCKED``; a row count of one is the proof);
- :func:`run`: the sweep. It reads due rows, then for each one claims it in a
  short transaction committed *before* any network call, delivers outside any
  transaction, and records the outcome in a third one. What a kind of outbox
  claims, delivers and records is an :class:`OutboxJob`.
"""

from __future__ import annotations

import abc
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from services.calendar.adapters.orm import OutboxColumns
from shared.db import Database

log = logging.getLogger(__name__)

PENDING, IN_PROGRESS, DONE, FAILED = "pending", "in_progress", "done", "failed"
MAX_ATTEMPTS = 12
FIRST_DELAY = timedelta(seconds=10)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(minutes=2)
"""A claimed row whose worker died is claimable again after this."""

Row = TypeVar("Row", bound=OutboxColumns)
Claim = TypeVar("Claim")


def backoff(attempts: int, jitter: float | None = None) -> timedelta:
    """Delay before attempt ``attempts + 1``: 10 s, 20 s, 40 s… capped at one hour, ±20 %."""
    return RetryPolicy().backoff(attempts, jitter)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a row is retried."""

    max_attempts: int = MAX_ATTEMPTS
    first_delay: timedelta = FIRST_DELAY
    max_delay: timedelta = MAX_DELAY
    lease: timedelta = LEASE

    def backoff(self, attempts: int, jitter: float | None = None) -> timedelta:
        """Delay after ``attempts`` failed tries, doubling up to ``max_delay``, ±20 %.

        :param jitter: the factor's offset (-0.2 to 0.2); random when None.
        """
        base = min(self.first_delay * 2 ** max(attempts - 1, 0), self.max_delay)
        factor = 1 + (jitter if jitter is not None else random.uniform(-0.2, 0.2))
        return timedelta(seconds=base.total_seconds() * factor)


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt gave.

    :ivar error: None when delivered; else why not, shown on the row.
    :ivar permanent: retrying cannot help (a refusal): the row fails at once.
    :ivar reference: the peer's id of what it accepted (a notification id).
    :ivar note: kept in ``last_error`` although delivered (e.g. already known).
    """

    error: str | None = None
    permanent: bool = False
    reference: str | None = None
    note: str | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None


def apply_outcome(row: OutboxColumns, outcome: Outcome, now: datetime,
                  policy: RetryPolicy, done: str = DONE) -> None:
    """Count the attempt on ``row`` and set its next state.

    Delivered: ``done``. Failed: ``pending`` again after the backoff, or
    ``failed`` when permanent or out of attempts (visible, kept for a human).
    """
    row.attempts += 1
    if outcome.delivered:
        row.status, row.last_error = done, outcome.note
        return
    row.last_error = (outcome.error or "")[:500]
    if outcome.permanent or row.attempts >= policy.max_attempts:
        row.status = FAILED
    else:
        row.status = PENDING
        row.next_attempt_at = now + policy.backoff(row.attempts)


def due_rows(session: Session, model: type[Row], now: datetime, limit: int) -> Sequence[Row]:
    """Rows to try now: pending and due, or claimed by a worker whose lease ran out."""
    return session.scalars(
        select(model).where(model.status.in_((PENDING, IN_PROGRESS)),
                            model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id).limit(limit)).all()


def claim_row(session: Session, model: type[Row], item: Row, now: datetime,
              policy: RetryPolicy, *conditions: ColumnElement[bool]) -> datetime | None:
    """Take ``item`` for one attempt if no one else did since it was read.

    :param conditions: more that must still hold (e.g. the same generation).
    :returns: the lease's end, which also fences the outcome's record; None
        when another worker (or a change) got there first.
    """
    lease_until = now + policy.lease
    claimed = session.execute(
        update(model)
        .where(model.id == item.id, model.status == item.status,
               model.next_attempt_at == item.next_attempt_at, *conditions)
        .values(status=IN_PROGRESS, next_attempt_at=lease_until)
        .execution_options(synchronize_session=False))
    return lease_until if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


@dataclass
class SweepReport:
    """What one sweep did; ``skipped`` counts rows lost to another worker or not to send."""

    delivered: int = 0
    failed: int = 0
    skipped: int = 0


class OutboxJob(abc.ABC, Generic[Row, Claim]):
    """One kind of outbox: how its rows are claimed, delivered and recorded."""

    model: type[Row]
    name: str = "outbox"

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy or RetryPolicy()

    @abc.abstractmethod
    def claim(self, session: Session, item: Row, now: datetime) -> Claim | None:
        """Claim ``item`` (:func:`claim_row`) and read what to deliver.

        Return None when the row is lost to another worker or needs no
        delivery (the job then records why on the row itself).
        """

    @abc.abstractmethod
    def deliver(self, claim: Claim) -> Outcome:
        """Talk to the peer; no database here. Never raises for the peer's failures."""

    @abc.abstractmethod
    def record(self, session: Session, claim: Claim, outcome: Outcome, now: datetime) -> None:
        """Store the outcome, unless the row changed or was taken over meanwhile."""


def run(db: Database, job: OutboxJob[Any, Any], now: datetime, limit: int = 50) -> SweepReport:
    """Deliver every due row of ``job`` (at most ``limit``); one short transaction per step."""
    report = SweepReport()
    with db.session() as session:
        due = list(due_rows(session, job.model, now, limit))
        for item in due:
            session.expunge(item)
    for item in due:
        with db.session() as session:
            claim = job.claim(session, item, now)
        if claim is None:
            report.skipped += 1
            continue
        try:
            outcome = job.deliver(claim)
        except Exception as exc:  # a bug must not stop the sweep; the row is retried
            log.exception("%s: unexpected error", job.name)
            outcome = Outcome(error=f"erreur inattendue : {exc.__class__.__name__}")
        with db.session() as session:
            job.record(session, claim, outcome, now)
        if outcome.delivered:
            report.delivered += 1
        else:
            report.failed += 1
            log.warning("%s: attempt failed: %s", job.name, outcome.error)
    return report
