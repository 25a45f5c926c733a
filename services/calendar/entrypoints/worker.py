"""The calendar's worker: ``python -m services.calendar.entrypoints.worker``.

One process per deployment (APScheduler 3.11 ``BlockingScheduler``, Paris time
zone, coalescing, one instance of each job at a time) runs two sweeps every few
seconds, each in its own thread so that a slow CalDAV server does not hold up
invitations: the CalDAV push (``caldav_pushes``) and the invitation e-mails
posted to the notifier (``invites``). The due work lives in those tables and is
claimed row by row, so a second worker by mistake would not deliver twice.
SIGTERM lets the running sweeps finish, then exits. A third job, every night
at 03:30, purges the events and invitations older than
``RELAIS_RETENTION_MONTHS``.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from services.calendar.service_layer import invites, push, retention
from services.calendar.service_layer.outbox import RetryPolicy, SweepReport
from shared.metrics import sweep_timer
from shared.retention import check_months, retention_months
from shared.web import database
from shared.worker import run_until_stopped

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")


def retry_policy(app: Flask) -> RetryPolicy:
    """Lease and backoff of the outboxes, from ``CALENDAR_OUTBOX_*`` (defaults otherwise)."""
    config, default = app.config, RetryPolicy()
    return RetryPolicy(
        lease=timedelta(seconds=float(config.get("OUTBOX_LEASE_SECONDS",
                                                 default.lease.total_seconds()))),
        first_delay=timedelta(seconds=float(config.get(
            "OUTBOX_FIRST_DELAY_SECONDS", default.first_delay.total_seconds()))),
        max_delay=timedelta(seconds=float(config.get("OUTBOX_MAX_DELAY_SECONDS",
                                                     default.max_delay.total_seconds()))),
        max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", default.max_attempts)))


def sweep(app: Flask, now: datetime | None = None) -> SweepReport:
    """One pass of the CalDAV push: every due row, pushed or rescheduled."""
    with sweep_timer("caldav_push") as timer:
        report = push.run_due(database(app), app.extensions["calendar_connect"],
                              now or datetime.now(UTC), policy=retry_policy(app))
        timer.items += report.delivered + report.failed
    if report.delivered or report.failed:
        log.info("CalDAV push: %d pushed, %d failed, %d skipped",
                 report.delivered, report.failed, report.skipped)
    return report


def sweep_invites(app: Flask, now: datetime | None = None) -> SweepReport:
    """One pass of the invitation e-mails: every due row posted to the notifier or skipped."""
    with sweep_timer("invites") as timer:
        report = invites.run_due(database(app), app.extensions["calendar_invites"],
                                 now or datetime.now(UTC), policy=retry_policy(app))
        timer.items += report.delivered + report.failed
    if report.delivered or report.failed:
        log.info("invitations: %d handed to the notifier, %d failed, %d skipped",
                 report.delivered, report.failed, report.skipped)
    return report


def months(app: Flask) -> int:
    """``RETENTION_MONTHS`` of the app's config (tests), else ``RELAIS_RETENTION_MONTHS``."""
    configured = app.config.get("RETENTION_MONTHS")
    return check_months(int(configured)) if configured else retention_months()


def purge(app: Flask, now: datetime | None = None) -> retention.Report:
    """Delete the events and invitations kept longer than the retention period."""
    with sweep_timer("calendar_retention") as timer:
        report = retention.purge(database(app), now or datetime.now(UTC), months(app))
        timer.items += report.total
    return report


def build_scheduler(app: Flask) -> BlockingScheduler:
    """The worker's scheduler, its jobs and their settings stated explicitly."""
    interval = int(app.config["PUSH_INTERVAL_SECONDS"])
    scheduler = BlockingScheduler(
        timezone=PARIS,
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": max(interval * 6, 30)},
    )
    scheduler.add_job(sweep, "interval", args=(app,), seconds=interval, id="caldav-push",
                      name="Synchronisation CalDAV", next_run_time=datetime.now(PARIS),
                      replace_existing=True)
    scheduler.add_job(sweep_invites, "interval", args=(app,), seconds=interval, id="invites",
                      name="Invitations par e-mail", next_run_time=datetime.now(PARIS),
                      replace_existing=True)
    scheduler.add_job(purge, "cron", args=(app,), hour=3, minute=30, id="retention-purge",
                      name="Purge des données au-delà de la durée de conservation",
                      misfire_grace_time=6 * 3600, replace_existing=True)
    months(app)  # a malformed RELAIS_RETENTION_MONTHS stops the worker at start
    return scheduler


def main() -> int:
    from services.calendar.app import create_app

    app = create_app()
    return run_until_stopped(
        app, build_scheduler(app), log,
        "calendar worker: CalDAV push and invitations every "
        f"{app.config['PUSH_INTERVAL_SECONDS']}s")


if __name__ == "__main__":
    sys.exit(main())
