"""The worker's scheduler: one job, Paris time, coalescing, one instance, grace time."""

from __future__ import annotations

from pathlib import Path

from services.calendar.app import create_app
from services.calendar.entrypoints.worker import build_scheduler


def test_scheduler_settings_are_explicit(tmp_path: Path) -> None:
    app = create_app({"RELAIS_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
                      "PUSH_INTERVAL_SECONDS": 5})
    scheduler = build_scheduler(app)
    assert str(scheduler.timezone) == "Europe/Paris"
    [job] = scheduler.get_jobs()
    assert job.id == "caldav-push"
    defaults = scheduler._job_defaults  # applied to the job when the scheduler starts
    assert defaults["coalesce"] is True
    assert defaults["max_instances"] == 1
    assert defaults["misfire_grace_time"] == 30
    assert job.trigger.interval.total_seconds() == 5
