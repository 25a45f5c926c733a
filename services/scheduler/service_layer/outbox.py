"""Writing the outbox: what must reach the notifier or the calendar, in the same transaction.

Each row is delivered later by :mod:`.relay`. ``idempotency_key`` names the
message once and for all (``p{procedure}:{purpose}:{suffix}``): writing the
same key twice keeps the first row, so a sweep or a request run twice never
queues a second message, and the notifier deduplicates on it as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from services.scheduler.adapters.orm import OutboxMessage, Procedure
from services.scheduler.adapters.repository import CasesRepository

NOTIFY, PUT_EVENT, CANCEL_EVENT = "notify", "put_event", "cancel_event"


def message_key(procedure: Procedure, purpose: str, suffix: str = "") -> str:
    """The idempotency key of one message of ``procedure``."""
    return f"relais-p{procedure.id}:{purpose}" + (f":{suffix}" if suffix else "")


def _write(cases: CasesRepository, procedure: Procedure, operation: str, purpose: str,
           key: str, payload: dict[str, Any], now: datetime) -> OutboxMessage | None:
    existing = cases.session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
    if existing is not None:
        return None
    row = OutboxMessage(procedure_id=procedure.id, operation=operation, purpose=purpose,
                        idempotency_key=key, payload=payload, status="pending", attempts=0,
                        next_attempt_at=now, created_at=now)
    cases.add(row)
    return row


def notify(cases: CasesRepository, procedure: Procedure, *, purpose: str, channel: str,
           to: str, template: str, data: dict[str, Any], now: datetime, suffix: str = "",
           invite_link_uid: str | None = None) -> OutboxMessage | None:
    """Queue one notification (SMS or e-mail) for the notifier.

    :param invite_link_uid: the calendar event whose public ICS link the relay
        asks for and puts in ``data["calendar_link"]`` before sending.
    :returns: the new row, or None when the same key was already queued.
    """
    key = message_key(procedure, purpose, f"{channel}:{suffix}" if suffix else channel)
    payload: dict[str, Any] = {"channel": channel, "to": to, "template": template,
                               "data": data, "idempotency_key": key}
    if invite_link_uid is not None:
        payload["invite_link_uid"] = invite_link_uid
    return _write(cases, procedure, NOTIFY, purpose, key, payload, now)


def put_event(cases: CasesRepository, procedure: Procedure, event: dict[str, Any], *,
              now: datetime) -> OutboxMessage | None:
    """Queue the creation or update of the procedure's calendar event (one per revision)."""
    assert procedure.calendar_uid is not None
    key = message_key(procedure, "event", str(procedure.sequence))
    return _write(cases, procedure, PUT_EVENT, "event", key,
                  {"uid": procedure.calendar_uid, "event": event}, now)


def cancel_event(cases: CasesRepository, procedure: Procedure, *,
                 now: datetime) -> OutboxMessage | None:
    """Queue the cancellation of the procedure's calendar event (METHOD:CANCEL)."""
    assert procedure.calendar_uid is not None
    key = message_key(procedure, "event-cancel", str(procedure.sequence))
    return _write(cases, procedure, CANCEL_EVENT, "event-cancel", key,
                  {"uid": procedure.calendar_uid}, now)


def cancel_pending(cases: CasesRepository, procedure: Procedure, purpose: str) -> int:
    """Withdraw the messages of ``purpose`` not yet delivered (e.g. a reminder)."""
    rows = cases.pending_messages(procedure.id, purpose)
    for row in rows:
        row.status = "cancelled"
    cases.flush()
    return len(rows)
