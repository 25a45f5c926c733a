"""The worker wakes up when a notification is queued, not at its next interval.

The real worker (``python -m services.notifier.entrypoints.worker``) runs with
a dispatch interval of 60 s on PostgreSQL, its console backend as the
provider. Once it has sent a first message and gone idle, a second one posted
through the API reaches the provider long before the interval: the API's
insert notified the worker (``pg_notify``), which was listening.

PostgreSQL only: SQLite has no notifications (the worker polls there).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from services.notifier.adapters.orm import ConsoleMessage, metadata
from services.notifier.app import MIGRATIONS, create_app
from shared.web import database
from tests.conftest import DatabaseFactory, clear_tables
from tests.integration.notifier.conftest import AUTH
from tests.integration.notifier.test_api import sms

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[3]
INTERVAL = 60.0


@pytest.fixture
def pg_notifier(database_factory: DatabaseFactory, postgres_available: bool) -> Iterator[Flask]:
    url = database_factory.url("notifier", "postgresql", MIGRATIONS)
    app = create_app({"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": url,
                      "RATELIMIT_ENABLED": False})
    clear_tables(app, metadata)
    yield app
    clear_tables(app, metadata)
    database(app).dispose()


def _sent(app: Flask) -> int:
    with database(app).session() as session:
        return int(session.scalar(select(func.count()).select_from(ConsoleMessage)) or 0)


def _wait_sent(app: Flask, count: int, timeout: float, worker: subprocess.Popen[bytes],
               log: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if _sent(app) >= count:
            return time.monotonic() - started
        assert worker.poll() is None, log.read_text()
        time.sleep(0.02)
    pytest.fail(f"{count} envoi(s) attendu(s) : {_sent(app)} après {timeout:.0f} s")


def test_a_message_queued_while_idle_goes_out_at_once(pg_notifier: Flask,
                                                      tmp_path: Path) -> None:
    url = database(pg_notifier).engine.url.render_as_string(hide_password=False)
    env = os.environ | {
        "NOTIFIER_DATABASE_URL": url, "RELAIS_ENV": "test", "RELAIS_LOG_LEVEL": "WARNING",
        "NOTIFIER_DISPATCH_INTERVAL": str(INTERVAL),
        "NOTIFIER_SMS_FROM": "00:00", "NOTIFIER_SMS_UNTIL": "23:59:59.999999",
        "NOTIFIER_QUIET_SUNDAYS": "0", "NOTIFIER_QUIET_HOLIDAYS": "0",
    }
    for name in ("TWILIO_ACCOUNT_SID", "SMTP_HOST"):
        env.pop(name, None)
    client = pg_notifier.test_client()
    log = tmp_path / "worker.log"
    with log.open("ab") as output:
        worker = subprocess.Popen([sys.executable, "-m", "services.notifier.entrypoints.worker"],
                                  cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        first = client.post("/api/v1/notifications", json=sms(idempotency_key="wake-key-1"),
                            headers=AUTH)
        assert first.status_code == 202
        _wait_sent(pg_notifier, 1, 30, worker, log)  # the run at start-up
        time.sleep(1.0)  # the worker is idle now, listening
        second = client.post("/api/v1/notifications",
                             json=sms(to="06 12 34 56 79", idempotency_key="wake-key-2"),
                             headers=AUTH)
        assert second.status_code == 202
        waited = _wait_sent(pg_notifier, 2, INTERVAL / 2, worker, log)
        assert waited < INTERVAL / 2  # woken by the insert, not by the interval
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(20) == 0, log.read_text()
