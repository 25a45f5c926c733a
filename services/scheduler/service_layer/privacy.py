"""An employee's rights over their data: everything held, exported; everything, erased.

Export gathers what the scheduler holds about one employee: identity and
contact, arrêts (category and dates), procedures and their slots, the
messages queued about them (metadata only: who, which template, when, what
became of it) and the audit entries that concern them.

Erasure deletes the employee and everything attached (arrêts, procedures,
slots, due actions, queued messages) in one transaction, and in the same
transaction queues, through the outbox, the requests that make the notifier
and the calendar erase their copies (the notifications about the employee's
procedures and to their phone or e-mail; the calendar events and their
invitations). What is kept is the audit log: ids, actions and dates, no
personal value, the trace that the legal duties were carried out (README,
section Privacy); it is purged with the rest after the retention period.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import (
    Arret,
    AuditEntry,
    DueAction,
    Employee,
    Employer,
    OutboxMessage,
    Procedure,
    Slot,
)
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.service_layer import audit
from services.scheduler.service_layer.employees import get_employee
from services.scheduler.service_layer.errors import Forbidden

SPST_ONLY = "les données d'un salarié ne sont exportées ou effacées qu'à la demande du SPST"
ERASE_NOTIFICATIONS, ERASE_EVENTS = "erase_notifications", "erase_events"
ERASE_OPERATIONS = (ERASE_NOTIFICATIONS, ERASE_EVENTS)
#: Where a queued message went, by the end of its purpose (``messages.to_*``).
RECIPIENT_SUFFIXES = (("-employer", "employer"), ("-spst", "spst"))


@dataclass(frozen=True)
class MessageRecord:
    """A message about the employee, without its content or address."""

    id: int
    procedure_id: int | None
    kind: str
    recipient: str
    purpose: str
    channel: str | None
    template: str | None
    status: str
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class Export:
    """Everything the scheduler holds about one employee."""

    employee: Employee
    employer: Employer
    arrets: list[Arret]
    procedures: list[tuple[Procedure, list[Slot]]]
    messages: list[MessageRecord]
    audit: list[AuditEntry]
    exported_at: datetime


@dataclass
class Deleted:
    """How many rows of each kind an erasure or a purge deleted."""

    arrets: int = 0
    procedures: int = 0
    slots: int = 0
    due_actions: int = 0
    messages: int = 0

    def add(self, other: Deleted) -> None:
        for name in ("arrets", "procedures", "slots", "due_actions", "messages"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, and which peers were asked to erase their copies."""

    employee_id: int
    erased_at: datetime
    deleted: Deleted
    peers: dict[str, str] = field(default_factory=dict)


def _spst_only(cases: CasesRepository) -> None:
    if cases.employer_scoped:
        raise Forbidden(SPST_ONLY)


def recipient_of(message: OutboxMessage) -> str:
    """``employee``, ``employer``, ``spst`` or ``calendar``."""
    if message.operation != "notify":
        return "calendar"
    for suffix, who in RECIPIENT_SUFFIXES:
        if message.purpose.endswith(suffix):
            return who
    return "employee"


def _message_record(row: OutboxMessage) -> MessageRecord:
    payload = row.payload or {}
    channel, template = payload.get("channel"), payload.get("template")
    return MessageRecord(row.id, row.procedure_id, row.operation, recipient_of(row), row.purpose,
                         channel if isinstance(channel, str) else None,
                         template if isinstance(template, str) else None,
                         row.status, row.created_at, row.delivered_at)


def _procedures(session: Session, spst_id: int, employee_id: int) -> list[Procedure]:
    return list(session.scalars(select(Procedure).where(
        Procedure.spst_id == spst_id, Procedure.employee_id == employee_id)
        .order_by(Procedure.id)))


def audit_of(session: Session, spst_id: int, employee_id: int) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.spst_id == spst_id, AuditEntry.employee_id == employee_id)
        .order_by(AuditEntry.id)))


def audit_page(session: Session, spst_id: int, employee_id: int | None, after: int | None,
               limit: int) -> tuple[list[AuditEntry], int | None]:
    """One page of the SPST's audit log, oldest first; the next cursor, or None."""
    query = select(AuditEntry).where(AuditEntry.spst_id == spst_id)
    if employee_id is not None:
        query = query.where(AuditEntry.employee_id == employee_id)
    if after is not None:
        query = query.where(AuditEntry.id > after)
    rows = list(session.scalars(query.order_by(AuditEntry.id).limit(limit + 1)))
    items = rows[:limit]
    return items, items[-1].id if len(rows) > limit else None


def export_employee(cases: CasesRepository, employee_id: int, now: datetime) -> Export:
    """Everything held about the employee; the export itself is audited first.

    :raises Forbidden: from an employer-scoped key.
    :raises Missing: unknown here (including another SPST's employee).
    """
    _spst_only(cases)
    employee = get_employee(cases, employee_id)
    employer = cases.employer(employee.employer_id)
    assert employer is not None  # composite foreign key
    audit.record(cases.session, [audit.Entry(audit.EXPORT, "employee", employee.id,
                                             cases.spst_id, employee.id)], now)
    session = cases.session
    procedures = _procedures(session, cases.spst_id, employee.id)
    with_slots = [(p, cases.slots(p.id)) for p in procedures]
    ids = [p.id for p in procedures]
    messages = list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.spst_id == cases.spst_id, OutboxMessage.procedure_id.in_(ids))
        .order_by(OutboxMessage.id))) if ids else []
    return Export(employee, employer, cases.all_arrets(employee.id), with_slots,
                  [_message_record(m) for m in messages],
                  audit_of(session, cases.spst_id, employee.id), now)


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def delete_employee_rows(session: Session, spst_id: int, employee_id: int) -> Deleted:
    """Delete the employee and everything attached, children first; the counts."""
    procedure_ids = list(session.scalars(select(Procedure.id).where(
        Procedure.spst_id == spst_id, Procedure.employee_id == employee_id)))
    deleted = Deleted()
    if procedure_ids:
        of_procedures = (OutboxMessage.spst_id == spst_id,
                         OutboxMessage.procedure_id.in_(procedure_ids))
        deleted.messages = _count(session, OutboxMessage, *of_procedures)
        session.execute(delete(OutboxMessage).where(*of_procedures))
        slots = (Slot.spst_id == spst_id, Slot.procedure_id.in_(procedure_ids))
        deleted.slots = _count(session, Slot, *slots)
        session.execute(delete(Slot).where(*slots))
        actions = (DueAction.spst_id == spst_id, DueAction.procedure_id.in_(procedure_ids))
        deleted.due_actions = _count(session, DueAction, *actions)
        session.execute(delete(DueAction).where(*actions))
        session.execute(delete(Procedure).where(Procedure.spst_id == spst_id,
                                                Procedure.id.in_(procedure_ids)))
        deleted.procedures = len(procedure_ids)
    arrets = (Arret.spst_id == spst_id, Arret.employee_id == employee_id)
    deleted.arrets = _count(session, Arret, *arrets)
    session.execute(delete(Arret).where(*arrets))
    session.execute(delete(Employee).where(Employee.spst_id == spst_id,
                                           Employee.id == employee_id))
    return deleted


def _queue(session: Session, spst_id: int, operation: str, key: str,
           payload: dict[str, Any], now: datetime) -> None:
    session.add(OutboxMessage(spst_id=spst_id, procedure_id=None, operation=operation,
                              purpose="erasure", idempotency_key=key, payload=payload,
                              status="pending", attempts=0, next_attempt_at=now,
                              created_at=now))


def erase_employee(cases: CasesRepository, employee_id: int, now: datetime) -> Erasure:
    """Erase the employee here, and ask the notifier and the calendar to do the same.

    :raises Forbidden: from an employer-scoped key.
    :raises Missing: unknown here (including another SPST's or an already erased one).
    """
    _spst_only(cases)
    employee = get_employee(cases, employee_id, lock=True)
    session = cases.session
    procedures = _procedures(session, cases.spst_id, employee.id)
    uids = sorted({p.calendar_uid for p in procedures if p.calendar_uid})
    prefixes = [f"relais-p{p.id}:" for p in procedures] + [f"invite:{uid}:" for uid in uids]
    recipients = [value for value in (employee.phone, employee.email) if value]
    deleted = delete_employee_rows(session, cases.spst_id, employee.id)
    # A fresh key: on SQLite a deleted row's id may be given again to a new row.
    tag = f"relais-erase-s{cases.spst_id}-e{employee.id}-{uuid.uuid4().hex[:12]}"
    peers: dict[str, str] = {}
    if prefixes or recipients:
        _queue(session, cases.spst_id, ERASE_NOTIFICATIONS, f"{tag}:notifier",
               {"key_prefixes": prefixes, "recipients": recipients}, now)
        peers["notifier"] = "requested"
    if uids:
        _queue(session, cases.spst_id, ERASE_EVENTS, f"{tag}:calendar", {"uids": uids}, now)
        peers["calendar"] = "requested"
    session.flush()
    audit.record(session, [audit.Entry(
        audit.ERASE, "employee", employee.id, cases.spst_id, employee.id,
        ",".join(f"{name}={value}" for name, value in vars(deleted).items()))], now)
    return Erasure(employee.id, now, deleted, peers)


def delivered_payload(operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What an erasure request keeps once delivered: not the addresses it carried."""
    if operation != ERASE_NOTIFICATIONS:
        return payload
    return {key: value for key, value in payload.items() if key != "recipients"}
