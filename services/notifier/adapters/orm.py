"""Tables of the notifier service.

``notifications`` is the queue itself: a row is committed before the API
answers, and the dispatcher claims due rows from it. ``next_attempt_at`` says
when the dispatcher must next look at a row: for a queued row, when it may be
sent; for a row being sent, when its claim (lease) runs out, after which it is
presumed abandoned by a dead process and claimed again. ``outbox_messages``
holds what must reach another system (status callbacks, the employee's answers
forwarded to the scheduler), written in the same transaction as the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.notifier.domain.states import ALL_STATUSES
from shared.db import NAMING_CONVENTION, UtcDateTime, sql_in, utcnow

CHANNELS = ("sms", "email")
OUTBOX_KINDS = ("callback", "reply")
OUTBOX_STATES = ("pending", "delivered", "failed")





class Base(DeclarativeBase):
    """Declarative base of the notifier's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


class Notification(Base):
    """One SMS or e-mail, from the request to its last known status."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "provider_id"),
        Index(None, "updated_at"),  # the retention purge
        CheckConstraint(sql_in("status", ALL_STATUSES), name="status"),
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    segments: Mapped[int | None] = mapped_column(Integer)
    callback_url: Mapped[str | None] = mapped_column(String(2000))
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(32))
    possibly_duplicated: Mapped[bool] = mapped_column(Boolean, default=False)
    possibly_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationEvent(Base):
    """One line of a notification's history: a status change or a failed attempt."""

    __tablename__ = "notification_events"
    __table_args__ = (Index(None, "notification_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[str] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempt: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)


class SmsOptOut(Base):
    """A phone number's SMS consent: ``opted_out`` until it texts START again."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxMessage(Base):
    """A message for another system, delivered by the worker with retries.

    ``callback``: a status change posted to the notification's callback URL,
    signed. ``reply``: an employee's answer forwarded to the scheduler.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "created_at"),  # the retention purge
        CheckConstraint(sql_in("kind", OUTBOX_KINDS), name="kind"),
        CheckConstraint(sql_in("status", OUTBOX_STATES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    notification_id: Mapped[str | None] = mapped_column(String(36))
    url: Mapped[str | None] = mapped_column(String(2000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ConsoleMessage(Base):
    """A message the ``console`` backend "sent": the developer's inbox (/dev/outbox)."""

    __tablename__ = "console_messages"
    __table_args__ = (Index(None, "reference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254))
    reference: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
