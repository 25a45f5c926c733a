"""The worker's scheduler: two jobs, Paris time, coalescing, one instance each, grace time."""

from __future__ import annotations

from pathlib import Path

from services.calendar.app import create_app
from services.calendar.entrypoints.worker import build_scheduler


def test_scheduler_settings_are_explicit(tmp_path: Path) -> None:
    app = create_app({"RELAIS_ENV": "test", "DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
                      "PUSH_INTERVAL_SECONDS": 5})
    scheduler = build_scheduler(app)
    assert str(scheduler.timezone) == "Europe/Paris"
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"caldav-push", "invites", "retention-purge"}
    defaults = scheduler._job_defaults  # applied to the jobs when the scheduler starts
    assert defaults["coalesce"] is True
    assert defaults["max_instances"] == 1
    assert defaults["misfire_grace_time"] == 30
    sweeps = (jobs["caldav-push"], jobs["invites"])
    assert all(job.trigger.interval.total_seconds() == 5 for job in sweeps)
