"""Repositories: every query of the stored cases, and nothing else.

:class:`CasesRepository` is bound to one SPST at construction; each of its
queries filters on that ``spst_id``, so a use case cannot reach another
tenant's rows even by mistake. :class:`KeyRepository` finds SPSTs and API
keys, which are not scoped (the key is what tells the tenant).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from services.scheduler.adapters.orm import (
    MAX_ID,
    ApiKey,
    Arret,
    DueAction,
    Employee,
    Employer,
    OutboxMessage,
    Procedure,
    Slot,
    Spst,
)

Row = TypeVar("Row", Employer, Employee, Arret)
Added = Employer | Employee | Arret | Procedure | Slot | DueAction | OutboxMessage


def _storable(row_id: int) -> bool:
    """False for ids no row can have (a URL may carry any integer)."""
    return 1 <= row_id <= MAX_ID


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a listing ordered by id; ``next_cursor`` is the last id, or None."""

    items: Sequence[Row]
    next_cursor: int | None


class KeyRepository:
    """SPSTs and their API keys."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Spst | ApiKey) -> None:
        self.session.add(row)
        self.session.flush()

    def spst(self, spst_id: int) -> Spst | None:
        return self.session.get(Spst, spst_id)

    def spst_named(self, name: str) -> Spst | None:
        return self.session.scalars(
            select(Spst).where(Spst.name == name).order_by(Spst.id).limit(1)).first()

    def has_employer(self, spst_id: int, employer_id: int) -> bool:
        return self.session.scalars(select(Employer.id).where(
            Employer.spst_id == spst_id, Employer.id == employer_id)).first() is not None

    def key_with_hash(self, key_hash: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()

    def key_with_prefix(self, prefix: str) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)))

    def touch(self, key: ApiKey, now: datetime, not_since: datetime) -> None:
        """Record a use, at most once per period (not one write per request)."""
        self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key.id)
            .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < not_since))
            .values(last_used_at=now)
        )


class CasesRepository:
    """Employers, employees, arrêts and procedures of one SPST.

    :param employer_id: an employer-scoped key's employer: then only that
        employer's rows are found, and a pré-reprise only when the employee
        agreed to share it.
    """

    def __init__(self, session: Session, spst_id: int, employer_id: int | None = None) -> None:
        self.session, self.spst_id, self.employer_id = session, spst_id, employer_id

    @property
    def employer_scoped(self) -> bool:
        return self.employer_id is not None

    def spst(self) -> Spst:
        spst = self.session.get(Spst, self.spst_id)
        assert spst is not None, "a repository is built for an existing SPST"
        return spst

    def add(self, row: Added) -> None:
        """Stage ``row`` under this SPST and flush it (to get its id, or an IntegrityError)."""
        row.spst_id = self.spst_id
        self.session.add(row)
        self.session.flush()

    def flush(self) -> None:
        self.session.flush()

    def delete(self, row: Arret) -> None:
        self.session.delete(row)
        self.session.flush()

    def employer(self, employer_id: int) -> Employer | None:
        if not _storable(employer_id):
            return None
        query = select(Employer).where(Employer.id == employer_id,
                                       Employer.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.where(Employer.id == self.employer_id)
        return self._one(query)

    def employer_with_siret(self, siret: str) -> Employer | None:
        return self._one(select(Employer).where(Employer.siret == siret,
                                                Employer.spst_id == self.spst_id))

    def employers(self, after: int | None, limit: int) -> Page[Employer]:
        query = select(Employer).where(Employer.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.where(Employer.id == self.employer_id)
        return self._page(query, Employer, after, limit)

    def employee(self, employee_id: int, lock: bool = False) -> Employee | None:
        """The employee; ``lock`` holds its row until commit (PostgreSQL), so that
        two concurrent writes of its arrêts are checked one after the other."""
        if not _storable(employee_id):
            return None
        query = select(Employee).where(Employee.id == employee_id,
                                       Employee.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.where(Employee.employer_id == self.employer_id)
        return self._one(query.with_for_update() if lock else query)

    def employee_with_phone(self, phone: str) -> Employee | None:
        """The most recently recorded employee with this E.164 number."""
        return self._one(select(Employee).where(Employee.spst_id == self.spst_id,
                                                Employee.phone == phone)
                         .order_by(Employee.id.desc()))

    def employees(self, after: int | None, limit: int,
                  employer_id: int | None = None) -> Page[Employee]:
        query = select(Employee).where(Employee.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.where(Employee.employer_id == self.employer_id)
        if employer_id is not None:
            query = query.where(Employee.employer_id == employer_id)
        return self._page(query, Employee, after, limit)

    def arret(self, arret_id: int) -> Arret | None:
        if not _storable(arret_id):
            return None
        query = select(Arret).where(Arret.id == arret_id, Arret.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.join(Employee, (Employee.spst_id == Arret.spst_id)
                               & (Employee.id == Arret.employee_id)).where(
                Employee.employer_id == self.employer_id)
        return self._one(query)

    def arrets(self, employee_id: int, after: int | None, limit: int) -> Page[Arret]:
        query = select(Arret).where(Arret.spst_id == self.spst_id,
                                    Arret.employee_id == employee_id)
        return self._page(query, Arret, after, limit)

    def all_arrets(self, employee_id: int) -> list[Arret]:
        """Every arrêt of the employee, oldest first (for checks and the rules)."""
        return list(self.session.scalars(
            select(Arret)
            .where(Arret.spst_id == self.spst_id, Arret.employee_id == employee_id)
            .order_by(Arret.start, Arret.id)
        ))

    # -- procedures -------------------------------------------------------------

    def _procedures(self) -> Select[Procedure]:
        query = select(Procedure).where(Procedure.spst_id == self.spst_id)
        if self.employer_id is not None:
            query = query.where(Procedure.employer_id == self.employer_id,
                                or_(Procedure.kind != "pre_reprise",
                                    Procedure.share_with_employer.is_(True)))
        return query

    def procedure(self, procedure_id: int, lock: bool = False) -> Procedure | None:
        """The procedure, as this repository may see it; ``lock`` holds it until commit."""
        if not _storable(procedure_id):
            return None
        query = self._procedures().where(Procedure.id == procedure_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def procedures_of(self, employee_id: int) -> list[Procedure]:
        """The employee's procedures, newest first."""
        return list(self.session.scalars(
            self._procedures().where(Procedure.employee_id == employee_id)
            .order_by(Procedure.id.desc())))

    def procedure_with_anchor(self, employee_id: int, kind: str,
                              anchor: object) -> Procedure | None:
        return self.session.scalars(self._procedures().where(
            Procedure.employee_id == employee_id, Procedure.kind == kind,
            Procedure.anchor == anchor)).first()

    def slots(self, procedure_id: int) -> list[Slot]:
        return list(self.session.scalars(
            select(Slot).where(Slot.spst_id == self.spst_id, Slot.procedure_id == procedure_id)
            .order_by(Slot.starts_at, Slot.id)))

    def pending_actions(self, procedure_id: int) -> list[DueAction]:
        return list(self.session.scalars(
            select(DueAction).where(DueAction.spst_id == self.spst_id,
                                    DueAction.procedure_id == procedure_id,
                                    DueAction.status == "pending")))

    def pending_messages(self, procedure_id: int, purpose: str) -> list[OutboxMessage]:
        return list(self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.spst_id == self.spst_id,
                                        OutboxMessage.procedure_id == procedure_id,
                                        OutboxMessage.purpose == purpose,
                                        OutboxMessage.status == "pending")))

    def _one(self, query: Select[Row]) -> Row | None:
        return self.session.scalars(query).first()

    def _page(self, query: Select[Row], model: type[Row], after: int | None,
              limit: int) -> Page[Row]:
        if after is not None:
            query = query.where(model.id > after)
        rows = list(self.session.scalars(query.order_by(model.id).limit(limit + 1)))
        more = len(rows) > limit
        items = rows[:limit]
        return Page(items, items[-1].id if more else None)
