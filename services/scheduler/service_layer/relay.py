"""Delivering the outbox to the notifier and the calendar, at least once, in order.

Rows are claimed like the notifier's own outbox: ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, and everywhere a conditional ``UPDATE`` that counts the attempt
and sets a lease in ``next_attempt_at`` (a worker that dies leaves the row due
again after the lease). The call happens outside any transaction; the outcome
is recorded in a third one, fenced by the attempt count. A refused request
(4xx that a retry cannot change) fails at once, except the notifier's 409 for
a key it already holds (an earlier attempt went in, its answer was lost, and
the calendar link asked again differs): that message is delivered, with a
note. Anything else is retried with exponential backoff until ``max_attempts``.

Per procedure, calendar operations keep their order: a row waits while an
older calendar row of the same procedure is still pending (a cancel never
overtakes the creation it cancels), and so does a notification that carries
the event's invite link.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import aliased

from services.scheduler.adapters.orm import OutboxMessage
from services.scheduler.adapters.peers import PeerError, Peers
from services.scheduler.service_layer import privacy
from shared.db import Database

log = logging.getLogger(__name__)
CALENDAR_OPERATIONS = ("put_event", "cancel_event")


@dataclass(frozen=True)
class RelayPolicy:
    """Batch size, lease and backoff of the relay."""

    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 12
    first_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(hours=1)
    jitter: Callable[[], float] = field(default=lambda: random.uniform(-0.2, 0.2))

    def delay(self, attempts: int) -> timedelta:
        base = min(self.first_delay * 2 ** max(attempts - 1, 0), self.max_delay)
        factor: float = 1 + self.jitter()
        return timedelta(seconds=base.total_seconds() * factor)


@dataclass(frozen=True)
class _Claimed:
    id: int
    operation: str
    payload: dict[str, Any]
    attempts: int


@dataclass
class RelayReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


class OutboxRelay:
    """Posts due outbox rows; safe to run in several processes."""

    def __init__(self, database: Database, peers: Peers,
                 policy: RelayPolicy | None = None) -> None:
        self.database, self.peers = database, peers
        self.policy = policy or RelayPolicy()
        self.postgres = database.engine.dialect.name == "postgresql"

    def run_until_idle(self, now: datetime, max_batches: int = 20) -> RelayReport:
        """Deliver batches until none is due (or ``max_batches``)."""
        total = RelayReport()
        for _ in range(max_batches):
            report = self.run_once(now)
            total.delivered += report.delivered
            total.retried += report.retried
            total.failed += report.failed
            if not (report.delivered or report.retried or report.failed):
                break
        return total

    def run_once(self, now: datetime) -> RelayReport:
        """Claim one batch and try each row once."""
        report = RelayReport()
        for row in self._claim(now):
            try:
                self._deliver(row)
            except PeerError as exc:
                if row.operation == "notify" and exc.already_queued:
                    # An earlier attempt got through, the answer did not (a process
                    # killed, a lease run out): sent again, the request differs by
                    # its fresh calendar link only. The notifier sends the first.
                    self._record(row, {"status": "delivered", "delivered_at": now,
                                       "last_error": f"déjà transmis : {exc}"[:2000]})
                    report.delivered += 1
                    continue
                self._failed(row, exc, now, report)
            else:
                self._delivered(row, now)
                report.delivered += 1
        return report

    def _claim(self, now: datetime) -> list[_Claimed]:
        older = aliased(OutboxMessage)
        blocked = exists().where(
            older.procedure_id == OutboxMessage.procedure_id, older.id < OutboxMessage.id,
            older.status == "pending", older.operation.in_(CALENDAR_OPERATIONS))
        with self.database.session() as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.status == "pending",
                            OutboxMessage.next_attempt_at <= now)
                     .order_by(OutboxMessage.id).limit(self.policy.batch))
            if self.postgres:
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(query).all():
                ordered = row.operation in CALENDAR_OPERATIONS or "invite_link_uid" in row.payload
                if ordered and row.procedure_id is not None and session.scalar(
                        select(blocked.where(OutboxMessage.id == row.id))):
                    continue
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts,
                           OutboxMessage.status == "pending")
                    .values(attempts=row.attempts + 1, next_attempt_at=now + self.policy.lease)
                    .execution_options(synchronize_session=False))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(_Claimed(row.id, row.operation, dict(row.payload),
                                            row.attempts + 1))
        return claimed

    def _deliver(self, row: _Claimed) -> None:
        payload = row.payload
        if row.operation == "put_event":
            self.peers.put_event(payload["uid"], payload["event"])
        elif row.operation == "cancel_event":
            self.peers.cancel_event(payload["uid"])
        elif row.operation == privacy.ERASE_NOTIFICATIONS:
            self.peers.erase_notifications(payload)
        elif row.operation == privacy.ERASE_EVENTS:
            self.peers.erase_events(payload)
        else:
            body = {k: v for k, v in payload.items() if k != "invite_link_uid"}
            uid = payload.get("invite_link_uid")
            if uid:
                link = self.peers.invite_link(uid)
                body["data"] = {**body.get("data", {}), "calendar_link": link}
            self.peers.notify(body)

    def _record(self, row: _Claimed, values: dict[str, Any]) -> None:
        with self.database.session() as session:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == row.id,
                                   OutboxMessage.attempts == row.attempts,
                                   OutboxMessage.status == "pending")
                            .values(**values).execution_options(synchronize_session=False))

    def _delivered(self, row: _Claimed, now: datetime) -> None:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": now, "last_error": None}
        if row.operation in privacy.ERASE_OPERATIONS:  # the addresses it carried go too
            values["payload"] = privacy.delivered_payload(row.operation, row.payload)
        self._record(row, values)

    def _failed(self, row: _Claimed, exc: PeerError, now: datetime, report: RelayReport) -> None:
        error = str(exc)[:2000]
        if exc.permanent or row.attempts >= self.policy.max_attempts:
            log.error("outbox n°%d (%s) abandoned after %d attempts: %s", row.id, row.operation,
                      row.attempts, error)
            self._record(row, {"status": "failed", "last_error": error})
            report.failed += 1
            return
        delay = self.policy.delay(row.attempts)
        log.warning("outbox n°%d (%s): %s, next attempt in %.0f s", row.id, row.operation,
                    error, delay.total_seconds())
        self._record(row, {"last_error": error, "next_attempt_at": now + delay})
        report.retried += 1
