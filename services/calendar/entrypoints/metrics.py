"""The calendar's gauges, read from its database at each scrape of ``/metrics``.

``relais_queue_depth`` and ``relais_queue_oldest_age_seconds`` for its two
outboxes: ``invites`` (iMIP e-mails; age from creation) and ``caldav_push``
(pushes to the planners' CalDAV calendars; the table keeps no creation time,
so the age counts from the row's ``next_attempt_at``: how late the oldest push
is). Unfinished rows are ``pending`` and ``in_progress``; one query per table.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from prometheus_client.core import Metric
from sqlalchemy.orm import Session

from services.calendar.adapters.orm import CaldavPush, InviteRow
from services.calendar.service_layer.outbox import IN_PROGRESS, PENDING
from shared.metrics import Queue, queue_families, register_collector

UNFINISHED = (PENDING, IN_PROGRESS)
QUEUES = (
    Queue("invites", InviteRow.status, UNFINISHED, InviteRow.next_attempt_at,
          InviteRow.created_at),
    Queue("caldav_push", CaldavPush.status, UNFINISHED, CaldavPush.next_attempt_at,
          CaldavPush.next_attempt_at),
)


def calendar_metrics(session: Session) -> Iterable[Metric]:
    return queue_families(session, QUEUES)


def register(app: Flask) -> None:
    """Serve the calendar's gauges on ``/metrics``."""
    register_collector(app, calendar_metrics)
