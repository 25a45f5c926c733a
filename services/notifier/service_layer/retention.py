"""Erasing an employee's notifications on request, and purging old ones.

The notifier keeps the rendered text, the address and the template data of
every message until its retention period ends. Two ways out:

- :func:`erase`, asked by the scheduler when an employee's data is erased:
  every notification whose idempotency key starts with one of the given
  prefixes (the employee's procedures, their calendar invitations) or sent to
  one of the given addresses is deleted, with its history, its callbacks, the
  forwarded SMS answers from that number and the development inbox's copies.
  A notification not yet sent is thereby withdrawn.
- :func:`purge`, the worker's nightly job: notifications finished (sent,
  delivered, undelivered, failed, cancelled) and unchanged for
  ``RELAIS_RETENTION_MONTHS``, delivered or failed outbox messages and
  development inbox messages older than that.

A number's SMS opt-out (STOP) is kept: it holds the number alone, and it must
go on being honoured if the number is ever entered again. Both are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from services.notifier.adapters.orm import (
    ConsoleMessage,
    Notification,
    NotificationEvent,
    OutboxMessage,
)
from services.notifier.domain.states import Status
from services.notifier.service_layer.recipients import (
    InvalidRecipient,
    normalize_email,
    normalize_phone,
)
from shared.db import Database
from shared.retention import months_before

log = logging.getLogger(__name__)
FINISHED = (Status.SENT.value, Status.DELIVERED.value, Status.UNDELIVERED.value,
            Status.FAILED.value, Status.CANCELLED.value)
CHUNK = 500
#: Prefixes matched per query: SQLite limits the depth of an expression.
PREFIXES_PER_QUERY = 50


@dataclass
class Report:
    """How many rows an erasure or a purge deleted."""

    notifications: int = 0
    outbox_messages: int = 0
    console_messages: int = 0

    @property
    def total(self) -> int:
        return self.notifications + self.outbox_messages + self.console_messages

    def counts(self) -> dict[str, int]:
        return {"notifications": self.notifications, "outbox_messages": self.outbox_messages,
                "console_messages": self.console_messages}


def _normalized(addresses: Iterable[str]) -> set[str]:
    """Each address as the notifier stores it (E.164 numbers, e-mails with a lower domain)."""
    found: set[str] = set()
    for raw in addresses:
        for normalize in (normalize_email, normalize_phone):
            try:
                found.add(normalize(raw))
                break
            except InvalidRecipient:
                continue
    return found


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def _delete_notifications(session: Session, ids: Sequence[str],
                          keys: Sequence[str]) -> Report:
    """Delete the notifications ``ids`` and everything that copies them."""
    report = Report()
    for chunk in _chunks(ids):
        report.outbox_messages += _rowcount(session.execute(
            delete(OutboxMessage).where(OutboxMessage.notification_id.in_(chunk))))
        report.console_messages += _rowcount(session.execute(
            delete(ConsoleMessage).where(ConsoleMessage.reference.in_(chunk))))
        session.execute(delete(NotificationEvent).where(
            NotificationEvent.notification_id.in_(chunk)))
        report.notifications += _rowcount(session.execute(
            delete(Notification).where(Notification.id.in_(chunk))))
    for chunk in _chunks(keys):  # the development inbox names SMS by their key
        report.console_messages += _rowcount(session.execute(
            delete(ConsoleMessage).where(ConsoleMessage.reference.in_(chunk))))
    return report


def erase(session: Session, key_prefixes: Sequence[str], recipients: Sequence[str]) -> Report:
    """Delete what the notifier holds about one person (see the module's docstring)."""
    addresses = sorted(_normalized(recipients))
    prefixes = sorted(set(key_prefixes))
    groups = [[Notification.idempotency_key.startswith(prefix, autoescape=True)
               for prefix in prefixes[start:start + PREFIXES_PER_QUERY]]
              for start in range(0, len(prefixes), PREFIXES_PER_QUERY)]
    if addresses:
        groups.append([Notification.recipient.in_(addresses)])
    found: dict[str, str] = {}
    for matches in groups:
        found |= {row[0]: row[1] for row in session.execute(
            select(Notification.id, Notification.idempotency_key).where(or_(*matches)))}
    report = _delete_notifications(session, list(found), list(found.values()))
    if addresses:
        replies = session.execute(select(OutboxMessage.id, OutboxMessage.payload).where(
            OutboxMessage.kind == "reply")).all()
        from_them = [row_id for row_id, payload in replies
                     if isinstance(payload, dict) and payload.get("phone") in addresses]
        for chunk in _chunks(from_them):
            report.outbox_messages += _rowcount(session.execute(
                delete(OutboxMessage).where(OutboxMessage.id.in_(chunk))))
        report.console_messages += _rowcount(session.execute(
            delete(ConsoleMessage).where(ConsoleMessage.recipient.in_(addresses))))
    log.info("erasure: %s", report.counts())
    return report


def purge(db: Database, now: datetime, months: int, batch: int = 1000,
          max_batches: int = 100) -> Report:
    """Delete what is older than ``months`` months before ``now`` (see the module)."""
    cutoff = months_before(now, months)
    report = Report()
    for _ in range(max_batches):
        with db.session() as session:
            ids = list(session.scalars(select(Notification.id).where(
                Notification.status.in_(FINISHED), Notification.updated_at < cutoff)
                .limit(batch)))
            done = _delete_notifications(session, ids, [])
        report.notifications += done.notifications
        report.outbox_messages += done.outbox_messages
        report.console_messages += done.console_messages
        if len(ids) < batch:
            break
    with db.session() as session:
        report.outbox_messages += _rowcount(session.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_(("delivered", "failed")), OutboxMessage.created_at < cutoff)))
        report.console_messages += _rowcount(session.execute(delete(ConsoleMessage).where(
            ConsoleMessage.created_at < cutoff)))
    if report.total:
        log.info("retention purge (%d months): %s", months, report.counts())
    return report
