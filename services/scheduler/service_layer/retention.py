"""The purge: closed cases' personal data, old messages and old audit entries, deleted.

A case is closed when nothing about the employee has moved for
``RELAIS_RETENTION_MONTHS``: every arrêt ended before the cut-off, the return
to work (if recorded) too, every procedure closed (or left untouched) before
it, no appointment after it, and the employee's record itself unchanged
since. Then the employee and everything attached are deleted, as an erasure
would (:func:`privacy.delete_employee_rows`), with one ``purge`` entry in the
audit log. An employee who never had an arrêt nor a procedure is someone on
the payroll the SPST follows (the mid-career visit), not a case: kept.

The outbox rows already delivered, failed or withdrawn, the applied SMS
answers and the audit entries older than the cut-off go as well. The
notifier and the calendar purge their own copies on the same setting.
Idempotent: a second run finds nothing more to delete.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import (
    Arret,
    AuditEntry,
    Employee,
    OutboxMessage,
    Procedure,
    ProcessedReply,
)
from services.scheduler.domain.workflows.schedule import paris_day
from services.scheduler.service_layer import audit
from services.scheduler.service_layer.privacy import Deleted, delete_employee_rows
from shared.db import Database
from shared.retention import months_before

log = logging.getLogger(__name__)
RETENTION = audit.Actor("system", "retention")
FINISHED = ("delivered", "failed", "cancelled")


@dataclass
class PurgeReport:
    """What one run deleted."""

    employees: int = 0
    deleted: Deleted = field(default_factory=Deleted)
    messages: int = 0
    replies: int = 0
    audit_entries: int = 0

    @property
    def total(self) -> int:
        return self.employees + self.messages + self.replies + self.audit_entries

    def counts(self) -> dict[str, int]:
        return {"employees": self.employees, "messages": self.messages,
                "replies": self.replies, "audit_entries": self.audit_entries}


def closed_cases(session: Session, cutoff: datetime, limit: int,
                 lock: bool = False) -> list[tuple[int, int]]:
    """``(spst_id, employee_id)`` of cases closed before ``cutoff``, oldest ids first."""
    day = paris_day(cutoff)
    own_arret = and_(Arret.spst_id == Employee.spst_id, Arret.employee_id == Employee.id)
    own_procedure = and_(Procedure.spst_id == Employee.spst_id,
                         Procedure.employee_id == Employee.id)
    recent_procedure = or_(
        and_(Procedure.closed_at.is_not(None), Procedure.closed_at >= cutoff),
        and_(Procedure.closed_at.is_(None), Procedure.updated_at >= cutoff),
        Procedure.starts_at >= cutoff)
    query = (select(Employee.spst_id, Employee.id)
             .where(or_(exists().where(own_arret), exists().where(own_procedure)),
                    ~exists().where(own_arret, Arret.end >= day),
                    ~exists().where(own_procedure, recent_procedure),
                    or_(Employee.return_date.is_(None), Employee.return_date < day),
                    Employee.updated_at < cutoff)
             .order_by(Employee.id).limit(limit))
    if lock:
        query = query.with_for_update(skip_locked=True, of=Employee)
    return [(row[0], row[1]) for row in session.execute(query)]


def _purge_cases(db: Database, cutoff: datetime, now: datetime, report: PurgeReport,
                 batch: int, max_batches: int) -> None:
    postgres = db.engine.dialect.name == "postgresql"
    for _ in range(max_batches):
        with db.session() as session:
            found = closed_cases(session, cutoff, batch, lock=postgres)
            for spst_id, employee_id in found:
                deleted = delete_employee_rows(session, spst_id, employee_id)
                report.deleted.add(deleted)
                audit.record(session, [audit.Entry(
                    audit.PURGE, "employee", employee_id, spst_id, employee_id,
                    ",".join(f"{name}={value}" for name, value in vars(deleted).items()))],
                    now)
            report.employees += len(found)
        if len(found) < batch:
            return


def _deleted(session: Session, statement: object) -> int:
    result = session.execute(statement)  # type: ignore[call-overload]
    return int(result.rowcount)


def purge(db: Database, now: datetime, months: int, batch: int = 200,
          max_batches: int = 50) -> PurgeReport:
    """Delete what is older than ``months`` months before ``now``.

    :param batch: cases deleted per transaction (``max_batches`` per run; the
        next run goes on where this one stopped).
    """
    cutoff = months_before(now, months)
    report = PurgeReport()
    with audit.acting(RETENTION):
        _purge_cases(db, cutoff, now, report, batch, max_batches)
        with db.session() as session:
            report.messages = _deleted(session, delete(OutboxMessage).where(
                OutboxMessage.status.in_(FINISHED), OutboxMessage.created_at < cutoff))
            report.replies = _deleted(session, delete(ProcessedReply).where(
                ProcessedReply.received_at < cutoff))
            report.audit_entries = _deleted(session, delete(AuditEntry).where(
                AuditEntry.at < cutoff))
    if report.total:
        log.info("retention purge (%d months): %s", months, report.counts())
    return report
