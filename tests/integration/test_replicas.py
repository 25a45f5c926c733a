"""Several replicas on one database: no message sent twice, none lost.

Two real notifier workers (``python -m services.notifier.entrypoints.worker``,
two OS processes, each with its own engine and pool) start at the same moment
on one PostgreSQL database holding a backlog of SMS and e-mails, some with a
status callback. The ``console`` backends are the providers: each writes what
it "sends" to ``console_messages`` in its own transaction, so the table counts
every send. Afterwards every notification is ``sent`` after one attempt, each
reached the provider exactly once, each callback arrived exactly once, and
both workers took part.

PostgreSQL only: production runs replicas on it, and claims rely on
``FOR UPDATE SKIP LOCKED`` there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from services.notifier.adapters.orm import ConsoleMessage, Notification, OutboxMessage, metadata
from services.notifier.app import MIGRATIONS, create_app
from shared.config import DEV_SERVICE_TOKEN
from shared.db import Database
from shared.web import database
from tests.conftest import DatabaseFactory, clear_tables
from tests.integration.notifier.conftest import RecordingServer
from tests.integration.notifier.test_api import email, sms

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
SMS_COUNT, EMAIL_COUNT = 200, 100
CALLBACK_EVERY = 5
WORKERS = 2
AUTH = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}


@pytest.fixture
def pg_notifier(database_factory: DatabaseFactory, postgres_available: bool) -> Iterator[Flask]:
    url = database_factory.url("notifier", "postgresql", MIGRATIONS)
    app = create_app({"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": url,
                      "RATELIMIT_ENABLED": False})
    clear_tables(app, metadata)
    yield app
    clear_tables(app, metadata)
    database(app).dispose()


def _queue_backlog(app: Flask, callback: str) -> None:
    """The backlog, through the API as callers queue it."""
    client = app.test_client()
    for number in range(SMS_COUNT + EMAIL_COUNT):
        extra = {"callback_url": callback} if number % CALLBACK_EVERY == 0 else {}
        if number < SMS_COUNT:
            body = sms(idempotency_key=f"replicas-sms-{number:04d}", **extra)
        else:
            body = email(idempotency_key=f"replicas-email-{number:04d}", attachments=[], **extra)
        answer = client.post("/api/v1/notifications", json=body, headers=AUTH)
        assert answer.status_code == 202, answer.json


def _start_worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "NOTIFIER_DATABASE_URL": url, "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "INFO",
        # Small batches so that both workers keep meeting on the same rows.
        "NOTIFIER_DISPATCH_BATCH": "8", "NOTIFIER_DISPATCH_CONCURRENCY": "4",
        "NOTIFIER_DISPATCH_INTERVAL": "0.1",
        # Quiet hours off: the test must pass at any hour, any day.
        "NOTIFIER_SMS_FROM": "00:00", "NOTIFIER_SMS_UNTIL": "23:59:59.999999",
        "NOTIFIER_QUIET_SUNDAYS": "0", "NOTIFIER_QUIET_HOLIDAYS": "0",
    }
    for name in ("TWILIO_ACCOUNT_SID", "SMTP_HOST", "DATABASE_URL"):
        env.pop(name, None)
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "services.notifier.entrypoints.worker"],
                                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _scalar(db: Database, query: object) -> int:
    with db.session() as session:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def _wait(condition: Callable[[], bool], timeout: float, what: str,
          workers: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        for worker in workers:
            assert worker.poll() is None, f"un worker s'est arrêté ({worker.returncode})"
        time.sleep(0.1)
    pytest.fail(f"délai dépassé : {what}")


def test_two_notifier_workers_send_each_message_once_and_lose_none(
    pg_notifier: Flask, tmp_path: Path
) -> None:
    db = database(pg_notifier)
    url = db.engine.url.render_as_string(hide_password=False)
    total = SMS_COUNT + EMAIL_COUNT
    with RecordingServer() as receiver:
        _queue_backlog(pg_notifier, f"{receiver.url}/rappels")
        logs = [tmp_path / f"worker-{n}.log" for n in range(WORKERS)]
        workers = [_start_worker(url, log) for log in logs]
        try:
            unfinished = select(func.count()).select_from(Notification).where(
                Notification.status != "sent")
            undelivered = select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status != "delivered")
            _wait(lambda: _scalar(db, unfinished) == 0, 90, "fin des envois", workers)
            _wait(lambda: _scalar(db, undelivered) == 0, 60, "fin des rappels", workers)
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(30) for worker in workers]
        assert codes == [0] * WORKERS, "\n".join(log.read_text()[-3000:] for log in logs)
        callbacks = [request.json() for request in receiver.requests]

    with db.session() as session:
        rows = session.execute(select(
            Notification.id, Notification.channel, Notification.idempotency_key,
            Notification.status, Notification.attempts, Notification.possibly_duplicated,
            Notification.callback_url)).all()
        sends = Counter(session.scalars(select(ConsoleMessage.reference)))
    assert len(rows) == total
    assert {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 and not r.possibly_duplicated for r in rows)
    # The console provider keeps SMS under their idempotency key and e-mails
    # under their notification id (the X-Relais-Notification header).
    expected = {r.idempotency_key if r.channel == "sms" else r.id for r in rows}
    assert set(sends) == expected, "message perdu ou inconnu"
    twice = {reference: n for reference, n in sends.items() if n > 1}
    assert not twice, f"envoyés plusieurs fois : {twice}"
    assert sum(sends.values()) == total

    with_callback = {r.id for r in rows if r.callback_url}
    assert len(with_callback) == total // CALLBACK_EVERY
    per_notification = Counter(c["notification_id"] for c in callbacks if c["status"] == "sent")
    assert set(per_notification) == with_callback, "rappel perdu"
    assert set(per_notification.values()) == {1}, "rappel reçu deux fois"

    # Both replicas took part: each logged sends of its own.
    shares = [log.read_text().count("(console) pour") for log in logs]
    assert sum(shares) == total, shares
    assert all(share > 0 for share in shares), f"un seul worker a travaillé : {shares}"


# --- the scheduler's outbox relay ---------------------------------------------------

OUTBOX_ROWS = 300


class CountingPeers:
    """The notifier and the calendar as the relay sees them: every call counted."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def _count(self, key: str) -> None:
        time.sleep(0.001)  # a call takes time: the other relay keeps claiming meanwhile
        with self.lock:
            self.calls[key] += 1

    def notify(self, payload: dict[str, object]) -> None:
        self._count(str(payload["idempotency_key"]))

    def put_event(self, uid: str, body: dict[str, object]) -> None:
        self._count(uid)

    def cancel_event(self, uid: str) -> None:
        self._count(f"cancel:{uid}")

    def invite_link(self, uid: str) -> str:
        return f"https://calendar.example.fr/i/{uid}.ics"


def test_two_scheduler_relays_deliver_each_outbox_row_once(
    database_factory: DatabaseFactory, postgres_available: bool
) -> None:
    import threading
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from services.scheduler.adapters.orm import OutboxMessage as SchedulerOutbox
    from services.scheduler.adapters.orm import Spst
    from services.scheduler.adapters.orm import metadata as scheduler_metadata
    from services.scheduler.app import MIGRATIONS as SCHEDULER_MIGRATIONS
    from services.scheduler.service_layer.relay import OutboxRelay, RelayPolicy

    url = database_factory.url("scheduler", "postgresql", SCHEDULER_MIGRATIONS)
    setup = Database(url)
    now = datetime.now(UTC)
    try:
        with setup.engine.begin() as connection:
            for table in reversed(scheduler_metadata.sorted_tables):
                connection.execute(table.delete())
        with setup.session() as session:
            spst = Spst(name="SPST des répliques")
            session.add(spst)
            session.flush()
            session.execute(insert(SchedulerOutbox), [{
                "spst_id": spst.id, "procedure_id": None, "operation": "notify",
                "purpose": "replicas", "idempotency_key": f"replicas-{n:04d}",
                "payload": {"idempotency_key": f"replicas-{n:04d}", "channel": "sms"},
                "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            } for n in range(OUTBOX_ROWS)])

        peers = CountingPeers()
        start = threading.Barrier(WORKERS)
        reports = []

        def relay() -> None:
            own = Database(url)  # each replica has its own engine and pool
            try:
                worker = OutboxRelay(own, peers, RelayPolicy(batch=10))
                start.wait()
                reports.append(worker.run_until_idle(now, max_batches=OUTBOX_ROWS))
            finally:
                own.dispose()

        threads = [threading.Thread(target=relay) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(reports) == WORKERS, "un relais ne s'est pas terminé"

        with setup.session() as session:
            rows = session.execute(select(SchedulerOutbox.idempotency_key,
                                          SchedulerOutbox.status,
                                          SchedulerOutbox.attempts)).all()
        assert {r.status for r in rows} == {"delivered"}, "message perdu"
        assert {r.attempts for r in rows} == {1}
        assert set(peers.calls) == {r.idempotency_key for r in rows}
        twice = {key: n for key, n in peers.calls.items() if n > 1}
        assert not twice, f"livrés plusieurs fois : {twice}"
        assert all(report.delivered > 0 for report in reports), "un seul relais a travaillé"
        assert sum(report.delivered for report in reports) == OUTBOX_ROWS
    finally:
        with setup.engine.begin() as connection:
            for table in reversed(scheduler_metadata.sorted_tables):
                connection.execute(table.delete())
        setup.dispose()
