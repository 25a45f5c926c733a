"""The scheduler's gauges, read from its database at each scrape of ``/metrics``.

``relais_queue_depth`` and ``relais_queue_oldest_age_seconds`` for:

* ``outbox_<operation>`` (``notify``, ``put_event``, ``cancel_event``): the
  pending messages to the notifier and the calendar; age from creation.
* ``due_actions``: pending future work. ``state="due"`` counts the actions
  whose ``due_at`` has passed (the sweep should take them within a minute),
  and the age is how late the most overdue one is (0 while none is due).

One query per table. The sweeps' durations and counts (``relais_sweep_*``)
come from :func:`shared.metrics.sweep_timer` in the worker process.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import OUTBOX_OPERATIONS, DueAction, OutboxMessage
from shared.metrics import Queue, queue_families, register_collector

QUEUES = (
    Queue("outbox", OutboxMessage.status, ("pending",), OutboxMessage.next_attempt_at,
          OutboxMessage.created_at, split=OutboxMessage.operation,
          split_values=OUTBOX_OPERATIONS),
    Queue("due_actions", DueAction.status, ("pending",), DueAction.due_at, DueAction.due_at),
)


def scheduler_metrics(session: Session) -> Iterable[Metric]:
    return queue_families(session, QUEUES)


def register(app: Flask) -> None:
    """Serve the scheduler's gauges on ``/metrics``."""
    register_collector(app, scheduler_metrics)
