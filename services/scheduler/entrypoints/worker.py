"""The scheduler's worker: ``python -m services.scheduler.entrypoints.worker``.

One process per deployment (APScheduler 3.11 ``BlockingScheduler``, Paris
time zone, coalescing, one instance of each job at a time, an explicit
``misfire_grace_time``). Three jobs, all idempotent, all working on rows kept
in the database and claimed so that a second worker by mistake would not do
the same work twice:

- the outbox relay, every ``RELAIS_SCHEDULER_RELAY_INTERVAL`` seconds (1);
- the due-actions sweep (reminders, escalations, follow-ups), every minute;
- the daily sweep (liaison eligibility on day 31, pré-reprise information,
  mid-career windows, appointments held), every hour;
- the retention purge (closed cases, old messages and audit entries older
  than ``RELAIS_RETENTION_MONTHS``), every night at 03:15.

``flask --app services.scheduler.app sweep`` runs each of them once.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from services.scheduler.entrypoints import runtime
from services.scheduler.service_layer import retention, sweeps
from services.scheduler.service_layer.relay import OutboxRelay, RelayPolicy
from shared.retention import check_months, retention_months
from shared.web import database
from shared.worker import run_until_stopped

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")


@contextlib.contextmanager
def _timed(name: str) -> Iterator[Callable[[int], None]]:
    """Time the sweep with the shared Prometheus metrics; yields a counter of items."""
    from shared.metrics import sweep_timer

    with sweep_timer(name) as sweep:
        def count(items: int) -> None:
            sweep.items += items

        yield count


def relay_policy(app: Flask) -> RelayPolicy:
    """The relay's lease and backoff, from ``RELAIS_SCHEDULER_RELAY_*`` (defaults otherwise)."""
    config, default = app.config, RelayPolicy()
    return RelayPolicy(
        lease=timedelta(seconds=float(config.get("RELAY_LEASE_SECONDS",
                                                 default.lease.total_seconds()))),
        first_delay=timedelta(seconds=float(config.get(
            "RELAY_FIRST_DELAY_SECONDS", default.first_delay.total_seconds()))),
        max_delay=timedelta(seconds=float(config.get("RELAY_MAX_DELAY_SECONDS",
                                                     default.max_delay.total_seconds()))),
        max_attempts=int(config.get("RELAY_MAX_ATTEMPTS", default.max_attempts)))


def relay(app: Flask, now: datetime | None = None) -> int:
    """Deliver the due outbox rows; how many were delivered."""
    with _timed("scheduler_outbox") as count:
        report = OutboxRelay(database(app), runtime.peers(app), relay_policy(app)).run_until_idle(
            now or runtime.now(app))
        count(report.delivered + report.failed)
    if report.delivered or report.failed or report.retried:
        log.info("outbox: %d delivered, %d to retry, %d failed", report.delivered,
                 report.retried, report.failed)
    return report.delivered


def due_actions(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Apply the due actions once."""
    with _timed("scheduler_due_actions") as count:
        report = sweeps.run_due_actions(database(app), now or runtime.now(app),
                                        runtime.peers(app))
        count(sum(report.counts.values()))
    if report.counts:
        log.info("due actions: %s", report.counts)
    return report.counts


def daily(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Look for new work (idempotent)."""
    with _timed("scheduler_daily") as count:
        report = sweeps.run_daily(database(app), now or runtime.now(app))
        count(sum(report.counts.values()))
    if report.counts:
        log.info("daily sweep: %s", report.counts)
    return report.counts


def months(app: Flask) -> int:
    """``RETENTION_MONTHS`` of the app's config (tests), else ``RELAIS_RETENTION_MONTHS``."""
    configured = app.config.get("RETENTION_MONTHS")
    return check_months(int(configured)) if configured else retention_months()


def purge(app: Flask, now: datetime | None = None) -> dict[str, int]:
    """Delete the personal data kept longer than the retention period (idempotent)."""
    with _timed("scheduler_retention") as count:
        report = retention.purge(database(app), now or runtime.now(app), months(app))
        count(report.total)
    return report.counts()


def build_scheduler(app: Flask) -> BlockingScheduler:
    """The worker's scheduler, its jobs and their settings stated explicitly."""
    interval = float(app.config["RELAY_INTERVAL_SECONDS"])
    scheduler = BlockingScheduler(
        timezone=PARIS,
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
    start = datetime.now(PARIS)
    scheduler.add_job(relay, "interval", args=(app,), seconds=interval, id="outbox-relay",
                      name="Outbox vers le notifier et le calendrier", next_run_time=start,
                      misfire_grace_time=max(int(interval * 10), 10), replace_existing=True)
    scheduler.add_job(due_actions, "interval", args=(app,), minutes=1, id="due-actions",
                      name="Actions échues", next_run_time=start, misfire_grace_time=60,
                      replace_existing=True)
    scheduler.add_job(daily, "interval", args=(app,), hours=1, id="daily-sweep",
                      name="Balayage quotidien", next_run_time=start, misfire_grace_time=1800,
                      replace_existing=True)
    scheduler.add_job(purge, "cron", args=(app,), hour=3, minute=15, id="retention-purge",
                      name="Purge des données au-delà de la durée de conservation",
                      misfire_grace_time=6 * 3600, replace_existing=True)
    months(app)  # a malformed RELAIS_RETENTION_MONTHS stops the worker at start
    return scheduler


@click.command("sweep")
@with_appcontext
def sweep_command() -> None:
    """Run the daily sweep, the due actions and the outbox relay once."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    click.echo(f"balayage quotidien : {daily(app, now)}")
    click.echo(f"actions échues : {due_actions(app, now)}")
    click.echo(f"outbox : {relay(app, now)} message(s) remis")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Run the retention purge once (RELAIS_RETENTION_MONTHS, 24 by default)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"purge ({months(app)} mois) : {purge(app, datetime.now(UTC))}")


def main() -> int:
    from services.scheduler.app import create_app

    app = create_app()
    return run_until_stopped(
        app, build_scheduler(app), log,
        f"scheduler worker: relay every {app.config['RELAY_INTERVAL_SECONDS']}s, "
        "due actions every minute, daily sweep hourly")


if __name__ == "__main__":
    sys.exit(main())
