"""Run a service's APScheduler worker in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from shared.web import database


def run_until_stopped(app: Flask, scheduler: BlockingScheduler, log: logging.Logger,
                      started: str) -> int:
    """Start ``scheduler``; on SIGTERM, finish the running jobs, close the pool and return 0.

    The shutdown runs in its own thread: the signal may arrive while the
    scheduler's loop holds a lock that a finishing job needs, and waiting for
    that job from inside the handler would then never end.
    """
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per run is noise
    stopping: list[threading.Thread] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current jobs", signum)
        stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True},
                                   name="shutdown")
        stopper.start()
        stopping.append(stopper)

    signal.signal(signal.SIGTERM, stop)
    log.info(started)
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.start()
    for stopper in stopping:
        stopper.join()
    if scheduler.running:  # Ctrl-C: the loop was interrupted, the jobs were not
        scheduler.shutdown(wait=True)
    database(app).dispose()
    log.info("worker stopped")
    return 0
