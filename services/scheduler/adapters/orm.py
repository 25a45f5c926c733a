"""Tables of the scheduler service.

Tenants are SPSTs. Every row of a case (employer, employee, arrêt) carries its
``spst_id``, and each link between them is a composite foreign key that
includes it, ``(spst_id, employer_id) -> employers (spst_id, id)``: the
database itself refuses a row that points into another SPST. The composite
``(spst_id, id)`` keys double as the indexes of tenant-filtered, id-ordered
listings.

No medical detail is stored: an arrêt is a cause category and two dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, sql_in, utcnow

CAUSES = ("maladie", "accident_travail", "maladie_professionnelle", "maternite",
          "accident_trajet")
REGIONS = ("national", "alsace-moselle")
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
PROCEDURE_KINDS = ("liaison", "reprise", "pre_reprise", "mid_career")
PROCEDURE_STATES = ("informed", "accepted", "confirmed", "held", "refused", "cancelled",
                    "impossible", "referred", "scheduled", "missed", "requested", "due")
MODES = ("remote", "in_person")
SLOT_STATUSES = ("proposed", "chosen", "discarded")
DUE_KINDS = ("liaison_reminder", "liaison_propose_slots", "reprise_d3", "reprise_d1",
             "reprise_missed", "mid_career_midyear", "mid_career_closing")
DUE_STATUSES = ("pending", "done", "cancelled")
OUTBOX_OPERATIONS = ("notify", "put_event", "cancel_event", "erase_notifications",
                     "erase_events")
OUTBOX_STATUSES = ("pending", "delivered", "failed", "cancelled")

class Base(DeclarativeBase):
    """Declarative base of the scheduler's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata


class Spst(Base):
    """A tenant: one occupational health service."""

    __tablename__ = "spsts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Settings of the workflows (docs/workflows.md).
    planning_email: Mapped[str | None] = mapped_column(String(254))
    calendar_planner_id: Mapped[int | None] = mapped_column(Integer)
    mid_career_combined_window: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false())
    mid_career_notify_employee: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false())
    spst_attends_liaison: Mapped[bool] = mapped_column(Boolean, default=True,
                                                       server_default=true())
    office_opens: Mapped[int] = mapped_column(Integer, default=540, server_default="540")
    office_closes: Mapped[int] = mapped_column(Integer, default=1020, server_default="1020")
    meeting_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")


class ApiKey(Base):
    """A key of one SPST; only its SHA-256 is kept, its prefix names it."""

    __tablename__ = "api_keys"
    __table_args__ = (
        Index(None, "spst_id"),
        ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(ForeignKey("spsts.id"))
    label: Mapped[str | None] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: An employer-scoped key sees only that employer's cases (never a private pré-reprise).
    employer_id: Mapped[int | None] = mapped_column(Integer)


class Employer(Base):
    """A company followed by the SPST, one per SIRET."""

    __tablename__ = "employers"
    __table_args__ = (
        UniqueConstraint("spst_id", "id"),
        UniqueConstraint("spst_id", "siret"),
        # The daily sweep reads the distinct branch ages from it (0004_sweep_indexes).
        Index(None, "mid_career_age"),
        CheckConstraint("headcount >= 0", name="headcount"),
        CheckConstraint("mid_career_age BETWEEN 18 AND 70", name="mid_career_age"),
        CheckConstraint(sql_in("region", REGIONS), name="region"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(ForeignKey("spsts.id"))
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str] = mapped_column(String(14))
    headcount: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(20), default="national")
    mid_career_age: Mapped[int] = mapped_column(Integer, default=45)
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    #: Invited to a liaison meeting only with the employee's consent, at 250 employees or more.
    referent_handicap_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Employee(Base):
    """A person on the payroll of an employer; ``return_date`` ends the latest chain."""

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("spst_id", "id"),
        ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"]),
        Index(None, "spst_id", "employer_id", "id"),
        # The daily sweep's mid-career cohorts, read from the index alone (0004_sweep_indexes).
        Index(None, "birth_date", "spst_id", "employer_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(Integer)
    employer_id: Mapped[int] = mapped_column(Integer)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    birth_date: Mapped[date | None] = mapped_column(Date)
    return_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Arret(Base):
    """One arrêt de travail: a cause category and its first and last day (inclusive)."""

    __tablename__ = "arrets"
    __table_args__ = (
        ForeignKeyConstraint(["spst_id", "employee_id"], ["employees.spst_id", "employees.id"],
                             ondelete="CASCADE"),
        Index(None, "spst_id", "employee_id", "id"),
        # The daily sweep's arrêts running today, read from the index alone (0004_sweep_indexes).
        Index(None, "end_date", "start_date", "spst_id", "employee_id"),
        CheckConstraint("end_date >= start_date", name="dates"),
        CheckConstraint(sql_in("cause", CAUSES), name="cause"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(32))
    start: Mapped[date] = mapped_column("start_date", Date)
    end: Mapped[date] = mapped_column("end_date", Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Procedure(Base):
    """One workflow (liaison, reprise, pré-reprise, mid-career) for one employee."""

    __tablename__ = "procedures"
    __table_args__ = (
        UniqueConstraint("spst_id", "id"),
        UniqueConstraint("spst_id", "employee_id", "kind", "anchor"),
        ForeignKeyConstraint(["spst_id", "employee_id"], ["employees.spst_id", "employees.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"]),
        Index(None, "spst_id", "employer_id", "id"),
        Index(None, "state", "kind"),
        CheckConstraint(sql_in("kind", PROCEDURE_KINDS), name="kind"),
        CheckConstraint(sql_in("state", PROCEDURE_STATES), name="state"),
        CheckConstraint("mode IS NULL OR " + sql_in("mode", MODES), name="mode"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer)
    employer_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    anchor: Mapped[date] = mapped_column(Date)
    initiated_by: Mapped[str | None] = mapped_column(String(20))
    requested_on: Mapped[date | None] = mapped_column(Date)
    spst_notified_on: Mapped[date | None] = mapped_column(Date)
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    mode: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[str | None] = mapped_column(String(500))
    video_url: Mapped[str | None] = mapped_column(String(2000))
    calendar_uid: Mapped[str | None] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    link_version: Mapped[int] = mapped_column(Integer, default=0)
    referent_handicap_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    share_with_employer: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Slot(Base):
    """A date proposed for a liaison meeting."""

    __tablename__ = "slots"
    __table_args__ = (
        ForeignKeyConstraint(["spst_id", "procedure_id"], ["procedures.spst_id", "procedures.id"],
                             ondelete="CASCADE"),
        Index(None, "spst_id", "procedure_id", "id"),
        CheckConstraint(sql_in("status", SLOT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(Integer)
    procedure_id: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DueAction(Base):
    """Future work of a procedure, claimed by the sweep once ``due_at`` has passed."""

    __tablename__ = "due_actions"
    __table_args__ = (
        UniqueConstraint("procedure_id", "kind", "due_at"),
        ForeignKeyConstraint(["spst_id", "procedure_id"], ["procedures.spst_id", "procedures.id"],
                             ondelete="CASCADE"),
        Index(None, "status", "due_at"),
        Index(None, "spst_id", "procedure_id"),
        CheckConstraint(sql_in("kind", DUE_KINDS), name="kind"),
        CheckConstraint(sql_in("status", DUE_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(Integer)
    procedure_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message to the notifier or the calendar, written with the change that causes it."""

    __tablename__ = "outbox"
    __table_args__ = (
        ForeignKeyConstraint(["spst_id", "procedure_id"], ["procedures.spst_id", "procedures.id"],
                             ondelete="CASCADE"),
        Index(None, "status", "next_attempt_at"),
        Index(None, "spst_id", "procedure_id"),
        CheckConstraint(sql_in("operation", OUTBOX_OPERATIONS), name="operation"),
        CheckConstraint(sql_in("status", OUTBOX_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(ForeignKey("spsts.id"))
    procedure_id: Mapped[int | None] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(2000))
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlannerAccount(Base):
    """A person of the SPST's planning team who signs in to ``/planner``."""

    __tablename__ = "planner_accounts"
    __table_args__ = (Index(None, "spst_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(ForeignKey("spsts.id"))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    calendar_planner_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ProcessedReply(Base):
    """An SMS answer already applied, by the notifier's idempotency key."""

    __tablename__ = "processed_replies"

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    procedure_id: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AuditEntry(Base):
    """Who saw or changed what, and when: ids and codes, never a personal value.

    ``detail`` holds codes only (names of the fields changed, a message's
    purpose). No foreign key: the entry outlives an erased employee, as the
    trace of what was done (README, section Privacy).
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "spst_id", "employee_id", "id"),
        Index(None, "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int | None] = mapped_column(Integer)
    employee_id: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))
