"""Recording a notification's status changes: its history and its callbacks.

Every change goes through :func:`move`, in the caller's transaction: the row,
its history line and, when the caller asked for one, the callback to post are
written together or not at all (the outbox pattern).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.notifier.adapters.orm import Notification, NotificationEvent, OutboxMessage
from services.notifier.domain.states import Status, check_move

# Statuses the caller hears about; queued/sending back-and-forth stays internal.
ANNOUNCED = frozenset({Status.SENT, Status.DELIVERED, Status.UNDELIVERED, Status.FAILED,
                       Status.CANCELLED})


def note(session: Session, notification: Notification, now: datetime,
         detail: str | None = None) -> NotificationEvent:
    """Add a history line with the current status (e.g. a failed attempt)."""
    event = NotificationEvent(notification_id=notification.id, status=notification.status,
                              at=now, attempt=notification.attempts or None, detail=detail)
    session.add(event)
    return event


def move(session: Session, notification: Notification, target: Status, now: datetime,
         detail: str | None = None) -> None:
    """Change the status, write the history line and queue the callback.

    :raises services.notifier.domain.states.TransitionError: on a forbidden move.
    """
    notification.status = check_move(notification.status, target).value
    notification.updated_at = now
    event = note(session, notification, now, detail)
    if notification.callback_url and target in ANNOUNCED:
        session.flush()  # the event's id numbers the callback
        session.add(callback_for(notification, event))


def callback_for(notification: Notification, event: NotificationEvent) -> OutboxMessage:
    """The outbox row posting ``event`` to the notification's callback URL."""
    payload: dict[str, Any] = {
        "event_id": event.id,
        "notification_id": notification.id,
        "idempotency_key": notification.idempotency_key,
        "status": notification.status,
        "at": event.at.isoformat(),
        "attempts": notification.attempts,
        "provider_id": notification.provider_id,
        "error_code": notification.error_code,
        "last_error": notification.last_error,
        "possibly_duplicated": notification.possibly_duplicated,
        "possibly_sent": notification.possibly_sent,
    }
    return OutboxMessage(
        kind="callback", idempotency_key=f"callback:{uuid.uuid4()}",
        notification_id=notification.id, url=notification.callback_url, payload=payload,
        status="pending", attempts=0, next_attempt_at=event.at,
    )
