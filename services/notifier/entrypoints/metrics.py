"""The notifier's gauges, read from its database at each scrape of ``/metrics``.

``relais_notifications{status}``: notifications per status (one GROUP BY).
``relais_queue_depth`` and ``relais_queue_oldest_age_seconds`` for the queues
``notifications`` (queued rows; age from ``not_before`` when set, else from
creation) and ``outbox_callback`` / ``outbox_reply`` (status callbacks and
answers forwarded to the scheduler, pending): one query per table.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from prometheus_client.core import Metric
from sqlalchemy import func
from sqlalchemy.orm import Session

from services.notifier.adapters.orm import OUTBOX_KINDS, Notification, OutboxMessage
from services.notifier.domain.states import ALL_STATUSES, Status
from shared.metrics import Queue, count_by_status, queue_families, register_collector

QUEUES = (
    Queue("notifications", Notification.status, (Status.QUEUED.value,),
          Notification.next_attempt_at,
          func.coalesce(Notification.not_before, Notification.created_at)),
    Queue("outbox", OutboxMessage.status, ("pending",), OutboxMessage.next_attempt_at,
          OutboxMessage.created_at, split=OutboxMessage.kind, split_values=OUTBOX_KINDS),
)


def notifier_metrics(session: Session) -> Iterable[Metric]:
    yield count_by_status(session, "relais_notifications", "Notifications per status.",
                          Notification.status, ALL_STATUSES)
    yield from queue_families(session, QUEUES)


def register(app: Flask) -> None:
    """Serve the notifier's gauges on ``/metrics``."""
    register_collector(app, notifier_metrics)
