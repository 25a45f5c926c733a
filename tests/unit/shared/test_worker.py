"""The workers' run loop: SIGTERM lets the running job finish, then the pool is closed."""

from __future__ import annotations

import logging
import os
import signal
import time
from datetime import datetime

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from shared.worker import run_until_stopped


class RecordingDatabase:
    disposed = False

    def dispose(self) -> None:
        self.disposed = True


def test_sigterm_finishes_the_running_job_then_disposes(caplog: pytest.LogCaptureFixture) -> None:
    app = Flask(__name__)
    db = RecordingDatabase()
    app.extensions["relais_db"] = db
    finished: list[str] = []
    scheduler = BlockingScheduler()

    def job() -> None:
        if finished:
            return
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)  # still running when the signal is handled
        finished.append("job")

    # Interval jobs, as the workers have, started at once.
    scheduler.add_job(job, "interval", seconds=60, next_run_time=datetime.now())
    previous = signal.getsignal(signal.SIGTERM)
    try:
        with caplog.at_level(logging.INFO):
            code = run_until_stopped(app, scheduler, logging.getLogger("test"), "started")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert code == 0
    assert finished == ["job"]
    assert db.disposed
    assert "started" in [r.getMessage() for r in caplog.records]
