"""The audit log: who saw or changed what, and when, with ids and codes only.

Changes are recorded by a hook on the scheduler's sessions (:func:`install`):
after each flush, every employer, employee, arrêt, procedure and queued
message that was created, changed or deleted gets one entry, inserted on the
same connection, so the entry commits or rolls back with the change itself.
An entry names the fields changed, never their values. Reads are recorded by
the entrypoints (:func:`record`), and so are erasures and purges, which
delete rows with plain statements the hook does not see.

Who acts comes from :func:`acting` (the worker, the purge) or, inside a web
request, from the resolver the app installs (API key, planner account, link
role); otherwise it is the system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, event, insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from services.scheduler.adapters.orm import (
    Arret,
    AuditEntry,
    Employee,
    Employer,
    OutboxMessage,
    Procedure,
)
from shared.db import utcnow

AUDIT = cast(Table, AuditEntry.__table__)
CREATE, UPDATE, DELETE, READ = "create", "update", "delete", "read"
EXPORT, ERASE, PURGE = "export", "erase", "purge"
#: Bookkeeping columns: their change is not worth an entry of its own.
IGNORED_FIELDS = frozenset({"created_at", "updated_at"})
OBJECT_TYPES: dict[type[Any], str] = {Employer: "employer", Employee: "employee",
                                      Arret: "arret", Procedure: "procedure",
                                      OutboxMessage: "message"}


@dataclass(frozen=True)
class Actor:
    """Who acts: ``api_key`` (its id), ``planner`` (account id), ``link`` (the role),
    ``service`` (the peer), ``system`` (the worker, the purge, a command)."""

    kind: str
    id: str | None = None


SYSTEM = Actor("system", "scheduler")


@dataclass(frozen=True)
class Context:
    """Who acts, in which request, and when."""

    actor: Actor
    request_id: str | None
    at: datetime


@dataclass(frozen=True)
class Entry:
    """One line of the log, before it is written."""

    action: str
    object_type: str
    object_id: int | None
    spst_id: int | None
    employee_id: int | None = None
    detail: str | None = None


Resolver = Callable[[Connection], Context | None]
_acting: ContextVar[Actor | None] = ContextVar("relais_audit_actor", default=None)
_resolver: Resolver | None = None


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    """Attribute what happens inside the block to ``actor`` (the worker's jobs)."""
    token = _acting.set(actor)
    try:
        yield
    finally:
        _acting.reset(token)


def set_resolver(resolver: Resolver | None) -> None:
    """How to tell who acts from the surrounding web request (the app sets it)."""
    global _resolver
    _resolver = resolver


def context(connection: Connection, now: datetime | None = None) -> Context:
    """The current actor, request id and time."""
    actor = _acting.get()
    found = _resolver(connection) if _resolver is not None else None
    if found is not None:
        return Context(actor or found.actor, found.request_id, now or found.at)
    return Context(actor or SYSTEM, None, now or utcnow())


def write(connection: Connection, entries: Sequence[Entry], where: Context) -> int:
    """Insert ``entries`` as ``where`` says; how many."""
    if not entries:
        return 0
    connection.execute(insert(AUDIT), [
        {"spst_id": e.spst_id, "at": where.at, "actor_type": where.actor.kind,
         "actor_id": where.actor.id, "action": e.action, "object_type": e.object_type,
         "object_id": e.object_id, "employee_id": e.employee_id,
         "request_id": where.request_id, "detail": e.detail}
        for e in entries])
    return len(entries)


def record(session: Session, entries: Sequence[Entry], now: datetime | None = None) -> int:
    """Write entries in the session's transaction, attributed to whoever acts now."""
    connection = session.connection()
    return write(connection, entries, context(connection, now))


# -- the hook -------------------------------------------------------------------


def _changed_fields(row: object) -> list[str]:
    state = inspect(row)
    return sorted(attr.key for attr in state.attrs
                  if attr.key not in IGNORED_FIELDS and attr.history.has_changes())


def _employee_of(row: object) -> int | None:
    if isinstance(row, Employee):
        return row.id
    if isinstance(row, Arret | Procedure):
        return row.employee_id
    return None


def _message_detail(row: OutboxMessage) -> str:
    return f"{row.operation}:{row.purpose}"[:500]


def changes(session: Session) -> list[Entry]:
    """The entries of what the session is flushing (call it from ``after_flush``)."""
    found: list[Entry] = []
    groups: Iterable[tuple[str, Iterable[object]]] = (
        (CREATE, session.new), (UPDATE, session.dirty), (DELETE, session.deleted))
    for action, rows in groups:
        for row in rows:
            kind = OBJECT_TYPES.get(type(row))
            if kind is None:
                continue
            if kind == "message" and action != CREATE:
                continue  # deliveries are the relay's bookkeeping, not a change of data
            detail = None
            if action == UPDATE:
                fields = _changed_fields(row)
                if not fields:
                    continue
                detail = ",".join(fields)[:500]
            elif isinstance(row, OutboxMessage):
                detail = _message_detail(row)
            found.append(Entry(action, kind, getattr(row, "id", None),
                               getattr(row, "spst_id", None), _employee_of(row), detail))
    return found


def _fill_message_employees(connection: Connection, entries: list[Entry],
                            session: Session) -> list[Entry]:
    """Messages name their procedure; the log is searched by employee."""
    messages = {row.id: row.procedure_id for row in session.new
                if isinstance(row, OutboxMessage) and row.procedure_id is not None}
    if not messages:
        return entries
    employees: dict[int, int] = {}
    for procedure_id in set(messages.values()):  # mostly in the session already
        known = session.identity_map.get(identity_key(Procedure, procedure_id))
        if isinstance(known, Procedure):
            employees[procedure_id] = known.employee_id
    missing = set(messages.values()) - set(employees)
    if missing:
        employees |= {row[0]: row[1] for row in connection.execute(
            select(Procedure.id, Procedure.employee_id).where(Procedure.id.in_(missing)))}
    filled = []
    for entry in entries:
        if entry.object_type == "message" and entry.object_id in messages:
            procedure = messages[entry.object_id]
            entry = Entry(entry.action, entry.object_type, entry.object_id, entry.spst_id,
                          employees.get(procedure), entry.detail)
        filled.append(entry)
    return filled


def _after_flush(session: Session, _context: Any) -> None:
    entries = changes(session)
    if not entries:
        return
    connection = session.connection()
    write(connection, _fill_message_employees(connection, entries, session),
          context(connection))


def install(sessions: sessionmaker[Session]) -> None:
    """Record the changes flushed by every session ``sessions`` makes (once)."""
    if not event.contains(sessions, "after_flush", _after_flush):
        event.listen(sessions, "after_flush", _after_flush)
