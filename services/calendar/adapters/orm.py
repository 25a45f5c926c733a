"""Tables of the calendar service.

Times are stored in UTC and read back aware on SQLite and PostgreSQL alike.
Each event row also keeps its feed VEVENT already rendered (``feed_vevent``,
with the ``render_version`` that made it): a planner's feed of thousands of
events is then one query and a join, not thousands of ``icalendar`` builds.
Feed tokens are stored as SHA-256 hashes; CalDAV passwords encrypted (Fernet).
Two outboxes share :class:`OutboxColumns`: CalDAV pushes and e-mail invites.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, utcnow

MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    """Declarative base of the calendar's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


class Planner(Base):
    """An SPST planner: the person whose feed, CalDAV calendar and busy times these are."""

    __tablename__ = "planners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    spst_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    # Raised with every change to one of the planner's events, in the same
    # transaction: the feed's version (ETag, Last-Modified) without scanning events.
    feed_revision: Mapped[int] = mapped_column(Integer, default=0)
    feed_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class FeedToken(Base):
    """A planner's feed secret, kept only as its SHA-256 hash."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    planner_id: Mapped[int] = mapped_column(ForeignKey("planners.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class EventRow(Base):
    """An event; ``attendees`` is a JSON list of ``{name, email, role}``."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_planner_id_start_at", "planner_id", "start_at"),
                      Index("ix_events_end_at", "end_at"))  # the retention purge

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    planner_id: Mapped[int | None] = mapped_column(ForeignKey("planners.id"), nullable=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str | None] = mapped_column(String(500), nullable=True)
    video_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    organizer_name: Mapped[str] = mapped_column(String(200))
    organizer_email: Mapped[str] = mapped_column(String(254))
    attendees: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # False: Relais e-mails no invitation for this event (the caller sends its own).
    send_invites: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    feed_vevent: Mapped[str] = mapped_column(Text, default="")
    render_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CaldavAccount(Base):
    """A planner's CalDAV calendar; the password is a Fernet token."""

    __tablename__ = "caldav_accounts"

    planner_id: Mapped[int] = mapped_column(ForeignKey("planners.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    username: Mapped[str] = mapped_column(String(200))
    password_encrypted: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OutboxColumns:
    """What every outbox row has, read and written by the shared sweep.

    ``status`` is ``pending``, ``in_progress`` (claimed until
    ``next_attempt_at``, the lease), a final success (``done``,
    ``delivered``), ``failed`` or, for invites, ``superseded``.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaldavPush(OutboxColumns, Base):
    """The outbox of one event towards its planner's CalDAV calendar.

    Written in the same transaction as the event change. ``generation`` rises
    with every change; the worker marks ``done`` only the generation it pushed,
    so a change made during a push is pushed again.
    """

    __tablename__ = "caldav_pushes"
    __table_args__ = (Index("ix_caldav_pushes_status_next_attempt_at", "status",
                            "next_attempt_at"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    planner_id: Mapped[int] = mapped_column(ForeignKey("planners.id"))
    generation: Mapped[int] = mapped_column(Integer, default=1)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class InviteRow(OutboxColumns, Base):
    """The outbox of iMIP e-mails: one row per attendee and revision of an event.

    Written in the same transaction as the change that raised SEQUENCE. The
    ICS and the template data are stored as they were at that revision, so
    that every retry posts the same bytes under the same idempotency key (the
    notifier refuses a key reused for a different request) and a CANCEL still
    describes the revision it cancels when the event has changed since.
    ``email_key`` (SHA-256 of the lower-cased address, 16 hex digits) ties the
    rows of one attendee together to find the superseded ones.
    """

    __tablename__ = "invites"
    __table_args__ = (
        Index("ix_invites_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_invites_event_id_email_key_sequence", "event_id", "email_key", "sequence"),
    )

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(10))
    sequence: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    template: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    ics: Mapped[str] = mapped_column(Text)
    notification_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
