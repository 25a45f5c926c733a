"""The notifier's worker: ``python -m services.notifier.entrypoints.worker``.

The dispatcher runs in a thread of its own: it sends what is due as a stream
until nothing is, then waits for the next notification queued (PostgreSQL
``LISTEN``, see :mod:`services.notifier.adapters.wakeup`) or
``NOTIFIER_DISPATCH_INTERVAL`` seconds (1 by default), whichever comes first:
a busy queue is sent continuously, a message queued while idle goes out at
once, and an idle worker costs one query an interval. One APScheduler 3.x
``BlockingScheduler`` (Europe/Paris, explicitly) runs the outbox relay
(callbacks and replies, every 2 s) and, at 03:45, the retention purge
(``RELAIS_RETENTION_MONTHS``); ``max_instances=1`` and ``coalesce`` keep one
run of each job at a time in this process. Several worker processes
(replicas) are safe because rows are claimed in the database, not by
APScheduler, which keeps no job store of its own here (in memory).

SIGTERM or SIGINT stops cleanly: no new claim is made, the sends in flight
are finished and recorded, then the process exits.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Mapping
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from services.notifier.adapters.wakeup import Interval, PostgresWakeup, Wakeup
from services.notifier.bootstrap import (
    build_dispatcher,
    build_outbox_relay,
    check_backends,
    email_backend,
    sms_backend,
)
from services.notifier.domain.quiet_hours import PARIS
from services.notifier.service_layer import retention
from services.notifier.service_layer.dispatch import Dispatcher
from services.notifier.settings import load_settings
from shared.config import check_settings
from shared.db import Database
from shared.logging import configure_logging
from shared.metrics import timed_job
from shared.retention import retention_months

log = logging.getLogger("services.notifier.worker")
OUTBOX_INTERVAL = 2.0
# A run that starts late (busy machine) still runs, up to this many seconds late.
MISFIRE_GRACE = 30


def purge(database: Database, months: int) -> int:
    """The nightly retention purge; how many rows it deleted."""
    return retention.purge(database, datetime.now(PARIS), months).total


def main() -> int:
    """Run the worker until SIGTERM or SIGINT."""
    config = load_settings()
    check_settings(config)
    check_backends(config)
    months = retention_months()
    configure_logging("notifier", str(config["LOG_LEVEL"]))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per run is noise
    concurrency = int(config["DISPATCH_CONCURRENCY"])
    database = Database(str(config["DATABASE_URL"]), **(
        {} if str(config["DATABASE_URL"]).startswith("sqlite")
        else {"pool_size": concurrency + 2, "max_overflow": 4}))
    dispatcher = build_dispatcher(config, database)
    relay = build_outbox_relay(config, database)
    stop = threading.Event()
    wakeup = build_wakeup(config, stop)
    dispatching = threading.Thread(
        target=dispatch_forever, name="dispatch",
        args=(dispatcher, wakeup, stop, float(config["DISPATCH_INTERVAL"])))
    scheduler = BlockingScheduler(
        timezone=PARIS,
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": MISFIRE_GRACE},
    )
    scheduler.add_job(timed_job("outbox", relay.run_until_idle), "interval", id="outbox",
                      seconds=OUTBOX_INTERVAL, kwargs={"stop": stop},
                      next_run_time=datetime.now(PARIS))  # at once, not one interval later
    scheduler.add_job(timed_job("retention", purge), "cron", id="retention", hour=3, minute=45,
                      args=(database, months), misfire_grace_time=6 * 3600)

    def _shutdown(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s reçu : arrêt après les envois en cours", signal.Signals(signum).name)
        if stop.is_set():
            return
        stop.set()
        # Waits for the jobs in flight: their sends are finished and recorded.
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, _shutdown)
    signal.signal(signal.SIGINT, _shutdown)
    log.info("worker démarré : SMS via %s, e-mail via %s, %d envois simultanés",
             sms_backend(config), email_backend(config), concurrency)
    dispatching.start()
    try:
        scheduler.start()
    finally:
        stop.set()
        dispatching.join()  # the run in progress finishes and records its sends
        dispatcher.close()
        wakeup.close()
        database.dispose()
        log.info("worker arrêté")
    return 0


def dispatch_forever(dispatcher: Dispatcher, wakeup: Wakeup, stop: threading.Event,
                     interval: float) -> None:
    """Run the dispatcher until ``stop``; between runs, wait for a wake-up or ``interval``.

    Notifications received before a run are dropped first: that run sees
    their rows. One received during a run makes the next run start at once.
    """
    run = timed_job("dispatch", dispatcher.run_until_idle)
    while not stop.is_set():
        try:
            wakeup.clear()
            run(stop=stop)
        except Exception:  # the database is away, a bug: log, wait, try again
            log.exception("tour d'envoi interrompu")
        if stop.is_set():
            return
        try:
            wakeup.wait(interval)
        except Exception:
            log.exception("attente interrompue")
            stop.wait(interval)


def build_wakeup(config: Mapping[str, Any], stop: threading.Event) -> Wakeup:
    """``LISTEN`` on PostgreSQL; polling at the interval on SQLite."""
    url = str(config["DATABASE_URL"])
    if url.startswith(("postgresql", "postgres:")):
        return PostgresWakeup(url, stop)
    return Interval(stop)


if __name__ == "__main__":
    sys.exit(main())
