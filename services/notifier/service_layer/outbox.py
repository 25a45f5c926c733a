"""Delivering the outbox: callbacks to callers and answers to the scheduler.

Rows are claimed like notifications (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, a conditional update everywhere, a lease in ``next_attempt_at``),
posted outside the transaction, then marked ``delivered`` or given a later try
with backoff; after ``max_attempts`` they are ``failed`` and logged. Delivery
is at least once: receivers deduplicate with ``event_id`` (callbacks) or
``idempotency_key`` (replies).

Callbacks are signed: ``X-Relais-Signature`` (see
:mod:`services.notifier.domain.signing`). Replies carry the service token.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from services.notifier.adapters.http import Poster, PostError, post_json
from services.notifier.adapters.orm import OutboxMessage
from services.notifier.domain import signing
from services.notifier.domain.backoff import Backoff
from shared.db import Database, utcnow

log = logging.getLogger(__name__)
REPLIES_PATH = "/internal/v1/replies"



@dataclass(frozen=True)
class OutboxSettings:
    """Where and how to deliver."""

    scheduler_url: str
    service_token: str
    signing_key: str
    backoff: Backoff = field(default_factory=lambda: Backoff(max_attempts=15))
    lease: timedelta = timedelta(seconds=60)
    batch: int = 50
    timeout: float = 5.0


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    url: str | None
    payload: dict[str, object]
    idempotency_key: str
    attempts: int


class OutboxRelay:
    """Posts due outbox rows; safe to run in several processes."""

    def __init__(self, database: Database, settings: OutboxSettings,
                 poster: Poster = post_json, clock: Callable[[], datetime] = utcnow,
                 rand: Callable[[], float] = random.random) -> None:
        self.database, self.settings = database, settings
        self.poster, self.clock, self.rand = poster, clock, rand
        self.postgres = database.engine.dialect.name == "postgresql"

    def run_until_idle(self, stop: threading.Event | None = None,
                       max_seconds: float = 30.0) -> int:
        """Deliver batches until none is due, ``stop`` is set or time is up."""
        done, started = 0, time.monotonic()
        while not (stop and stop.is_set()) and time.monotonic() - started < max_seconds:
            count = self.run_once()
            done += count
            if count == 0:
                break
        return done

    def run_once(self) -> int:
        """Claim one batch and post each row once. :returns: rows attempted."""
        claimed = self._claim()
        for row in claimed:
            try:
                self._post(row)
            except PostError as exc:
                self._retry_or_fail(row, str(exc))
            else:
                self._delivered(row)
        return len(claimed)

    def _claim(self) -> list[_Claimed]:
        now = self.clock()
        with self.database.session() as session:
            query = (select(OutboxMessage)
                     .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
                     .order_by(OutboxMessage.id).limit(self.settings.batch))
            if self.postgres:
                query = query.with_for_update(skip_locked=True)
            claimed = []
            for row in session.scalars(query):
                result = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts,
                           OutboxMessage.status == "pending")
                    .values(attempts=row.attempts + 1,
                            next_attempt_at=now + self.settings.lease)
                    .execution_options(synchronize_session=False))
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(_Claimed(row.id, row.kind, row.url, dict(row.payload),
                                            row.idempotency_key, row.attempts + 1))
        return claimed

    def _post(self, row: _Claimed) -> None:
        body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
        timeout = self.settings.timeout
        if row.kind == "callback":
            if not row.url:
                raise PostError("pas d'URL de rappel")
            stamp = int(self.clock().timestamp())
            headers = {signing.HEADER: signing.sign(self.settings.signing_key, body, stamp),
                       "Idempotency-Key": row.idempotency_key}
            self.poster(row.url, body, headers, timeout)
        else:
            url = self.settings.scheduler_url.rstrip("/") + REPLIES_PATH
            headers = {"Authorization": f"Bearer {self.settings.service_token}",
                       "Idempotency-Key": row.idempotency_key}
            self.poster(url, body, headers, timeout)

    def _delivered(self, row: _Claimed) -> None:
        now = self.clock()
        with self.database.session() as session:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == row.id,
                                   OutboxMessage.attempts == row.attempts)
                            .values(status="delivered", delivered_at=now, last_error=None)
                            .execution_options(synchronize_session=False))

    def _retry_or_fail(self, row: _Claimed, error: str) -> None:
        now = self.clock()
        backoff = self.settings.backoff
        values: dict[str, object] = {"last_error": error[:2000]}
        if backoff.exhausted(row.attempts):
            values["status"] = "failed"
            log.error("outbox %s n°%d abandonné après %d essais : %s", row.kind, row.id,
                      row.attempts, error)
        else:
            delay = backoff.delay(row.attempts, self.rand)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
            log.warning("outbox %s n°%d : %s, nouvel essai dans %.0f s", row.kind, row.id,
                        error, delay)
        with self.database.session() as session:
            session.execute(update(OutboxMessage)
                            .where(OutboxMessage.id == row.id,
                                   OutboxMessage.attempts == row.attempts)
                            .values(**values)
                            .execution_options(synchronize_session=False))
