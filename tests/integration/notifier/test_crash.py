"""Crash test: ``kill -9`` the real worker in the middle of 2,000 SMS, restart it.

None is lost; each is sent once, except the few in flight at the kill, which
are sent again once their lease runs out and flagged ``possibly_duplicated``.
The console backend is the sink: it writes each SMS it "sends" to
``console_messages`` in its own transaction, like a provider would keep it.
PostgreSQL only (the production backend).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from services.notifier.adapters.orm import ConsoleMessage, Notification, metadata
from services.notifier.app import MIGRATIONS
from shared.db import Database
from tests.conftest import DatabaseFactory

TOTAL = 2000
BATCH = 32
ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_database(database_factory: DatabaseFactory, postgres_available: bool) -> Iterator[Database]:
    db = Database(database_factory.url("notifier", "postgresql", MIGRATIONS))
    yield db
    with db.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())
    db.dispose()


def _queue(db: Database, count: int) -> None:
    now = datetime.now(UTC)
    rows = [{
        "id": str(uuid.uuid4()), "idempotency_key": f"crash-{n:05d}", "fingerprint": "x",
        "channel": "sms", "recipient": "+33612345678", "template": "liaison_reminder",
        "locale": "fr", "data": {}, "body": f"Message de test {n}", "attachments": [],
        "next_attempt_at": now, "status": "queued", "attempts": 0,
        "possibly_duplicated": False, "possibly_sent": False, "created_at": now,
        "updated_at": now,
    } for n in range(count)]
    with db.session() as session:
        session.execute(insert(Notification), rows)


def _start(db: Database, log: Path) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "NOTIFIER_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "WARNING",
        "NOTIFIER_LEASE_SECONDS": "2", "NOTIFIER_DISPATCH_INTERVAL": "0.2",
        "NOTIFIER_DISPATCH_BATCH": str(BATCH), "NOTIFIER_DISPATCH_CONCURRENCY": "8",
        # Quiet hours off: the test must pass at any hour, any day.
        "NOTIFIER_SMS_FROM": "00:00", "NOTIFIER_SMS_UNTIL": "23:59:59.999999",
        "NOTIFIER_QUIET_SUNDAYS": "0", "NOTIFIER_QUIET_HOLIDAYS": "0",
    }
    for name in ("TWILIO_ACCOUNT_SID", "SMTP_HOST"):
        env.pop(name, None)
    with log.open("ab") as output:
        return subprocess.Popen([sys.executable, "-m", "services.notifier.entrypoints.worker"],
                                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _sent_count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(ConsoleMessage)) or 0)


def _unfinished(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Notification).where(
            Notification.status != "sent")) or 0)


def _wait(condition: object, timeout: float, what: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        assert worker.poll() is None, f"le worker s'est arrêté ({worker.returncode})"
        time.sleep(0.02)
    pytest.fail(f"délai dépassé : {what}")


def test_kill_9_mid_way_loses_nothing(pg_database: Database, tmp_path: Path) -> None:
    _queue(pg_database, TOTAL)
    log = tmp_path / "worker.log"
    first = _start(pg_database, log)
    try:
        _wait(lambda: _sent_count(pg_database) >= TOTAL // 3, 30, "premiers envois", first)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    at_kill = _sent_count(pg_database)
    assert at_kill < TOTAL, "tout était parti avant le kill : test sans objet"

    second = _start(pg_database, log)
    try:
        _wait(lambda: _unfinished(pg_database) == 0, 40, "fin des envois", second)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0, log.read_text()

    with pg_database.session() as session:
        rows = list(session.execute(select(Notification.idempotency_key,
                                           Notification.possibly_duplicated)))
        copies = Counter(session.scalars(select(ConsoleMessage.reference)))
    flagged = {key for key, duplicated in rows if duplicated}
    assert len(rows) == TOTAL
    assert {key for key, _ in rows} == set(copies), "message perdu"
    assert max(copies.values()) <= 2
    twice = {key for key, n in copies.items() if n == 2}
    assert twice <= flagged, "envoyé deux fois sans être signalé"
    assert 0 < len(flagged) <= BATCH, f"{len(flagged)} signalés (en vol au kill : {BATCH} au plus)"
