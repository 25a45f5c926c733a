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

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import NAMING_CONVENTION, UtcDateTime, sql_in, utcnow

CAUSES = ("maladie", "accident_travail", "maladie_professionnelle", "maternite",
          "accident_trajet")
REGIONS = ("national", "alsace-moselle")
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL





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


class ApiKey(Base):
    """A key of one SPST; only its SHA-256 is kept, its prefix names it."""

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "spst_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spst_id: Mapped[int] = mapped_column(ForeignKey("spsts.id"))
    label: Mapped[str | None] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Employer(Base):
    """A company followed by the SPST, one per SIRET."""

    __tablename__ = "employers"
    __table_args__ = (
        UniqueConstraint("spst_id", "id"),
        UniqueConstraint("spst_id", "siret"),
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
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Employee(Base):
    """A person on the payroll of an employer; ``return_date`` ends the latest chain."""

    __tablename__ = "employees"
    __table_args__ = (
        UniqueConstraint("spst_id", "id"),
        ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"]),
        Index(None, "spst_id", "employer_id", "id"),
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
