"""The notifier's worker: ``python -m services.notifier.entrypoints.worker``.

One APScheduler 3.x ``BlockingScheduler`` (Europe/Paris, explicitly) runs two
jobs: the dispatcher (every ``NOTIFIER_DISPATCH_INTERVAL`` seconds, 1 by
default) and the outbox relay (callbacks and replies, every 2 s). Each job
drains what is due, then returns, so a busy queue is sent continuously while
an idle one costs one query a second. ``max_instances=1`` and ``coalesce``
keep one run of each job at a time in this process; several worker processes
(replicas) are safe because rows are claimed in the database, not by
APScheduler, which keeps no job store of its own here (in memory).

SIGTERM or SIGINT stops cleanly: no new batch starts, the sends in flight are
finished and recorded, then the process exits.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from services.notifier.bootstrap import (
    build_dispatcher,
    build_outbox_relay,
    email_backend,
    sms_backend,
)
from services.notifier.domain.quiet_hours import PARIS
from services.notifier.settings import load_settings
from shared.config import check_settings
from shared.db import Database
from shared.logging import configure_logging
from shared.metrics import timed_job

log = logging.getLogger("services.notifier.worker")
OUTBOX_INTERVAL = 2.0
# A run that starts late (busy machine) still runs, up to this many seconds late.
MISFIRE_GRACE = 30


def main() -> int:
    """Run the worker until SIGTERM or SIGINT."""
    config = load_settings()
    check_settings(config)
    configure_logging("notifier", str(config["LOG_LEVEL"]))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per run is noise
    concurrency = int(config["DISPATCH_CONCURRENCY"])
    database = Database(str(config["DATABASE_URL"]), **(
        {} if str(config["DATABASE_URL"]).startswith("sqlite")
        else {"pool_size": concurrency + 2, "max_overflow": 4}))
    dispatcher = build_dispatcher(config, database)
    relay = build_outbox_relay(config, database)
    stop = threading.Event()
    scheduler = BlockingScheduler(
        timezone=PARIS,
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": MISFIRE_GRACE},
    )
    scheduler.add_job(timed_job("dispatch", dispatcher.run_until_idle), "interval",
                      id="dispatch", seconds=float(config["DISPATCH_INTERVAL"]),
                      kwargs={"stop": stop},
                      next_run_time=datetime.now(PARIS))  # at once, not one interval later
    scheduler.add_job(timed_job("outbox", relay.run_until_idle), "interval", id="outbox",
                      seconds=OUTBOX_INTERVAL, kwargs={"stop": stop})

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
    try:
        scheduler.start()
    finally:
        stop.set()
        dispatcher.close()
        database.dispose()
        log.info("worker arrêté")
    return 0


if __name__ == "__main__":
    sys.exit(main())
