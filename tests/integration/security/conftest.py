"""Fixtures of the security tests: two SPSTs, each with a liaison case, links and a planner.

SPST A is the victim, SPST B the other tenant. Each SPST's names carry a mark
found nowhere else, so that an answer leaking the other's data is caught by
searching its body for the mark. The clock, the fake calendar and the pages'
helpers are the pages' own (``tests/integration/scheduler/pages``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Table, select
from werkzeug.test import TestResponse

from services.scheduler.adapters.orm import Spst as SpstRow
from services.scheduler.adapters.orm import metadata
from services.scheduler.adapters.repository import CasesRepository, KeyRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.service_layer import api_keys, liaison
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.scheduler.conftest import Tenant, make_tenant
from tests.integration.scheduler.pages.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    TABLES,
    Case,
    Clock,
    FakeCalendar,
    PlannerLogin,
    calendar,
    client,
    clock,
)


@dataclass
class Spst:
    """One SPST as an attacker or a victim sees it."""

    name: str
    tenant: Tenant
    case: Case
    arret_id: int
    #: A second employer of the SPST, and a key limited to it.
    other_employer_id: int
    employer_key: str
    #: Strings that only this SPST's answers may contain (a SIRET is not one: the
    #: same company may be followed by two SPSTs).
    marks: tuple[str, ...]
    siret: str
    #: The calendar service's planner the SPST's planner is linked to.
    calendar_planner_id: int

    @cached_property
    def planner(self) -> PlannerLogin:
        """The SPST's planner, logged in (made on first use: hashing takes a while)."""
        email = f"planif@{self.name.lower()}.example.fr"
        with database(self.case.app).session() as session:
            accounts.create_planner(session, self.tenant.spst_id, email, f"Paule {self.name}",
                                    PASSWORD, calendar_planner_id=self.calendar_planner_id)
        found = PlannerLogin(email, self.tenant.spst_id, self.case.app.test_client())
        found.login()
        return found

    @property
    def ids(self) -> dict[str, int]:
        return {"employer_id": self.case.employer_id, "employee_id": self.case.employee_id,
                "arret_id": self.arret_id, "procedure_id": self.case.procedure_id}

    def rows(self) -> dict[str, list[str]]:
        """Every stored row of this SPST, in every table that has one."""
        found: dict[str, list[str]] = {}
        with database(self.case.app).engine.connect() as connection:
            for table in metadata.sorted_tables:
                column = _tenant_column(table)
                if column is None:
                    continue
                # A key's last use is the victim's own doing (its key limited to
                # an employer is one of the walk's callers).
                columns = [c for c in table.c if c.name != "last_used_at"]
                query = select(*columns).where(column == self.tenant.spst_id)
                found[table.name] = sorted(map(repr, connection.execute(query)))
        return found


def state(app: Flask) -> dict[str, list[str]]:
    """The rows an action could change, timestamps of the last change aside.

    ``updated_at`` is left out: rewriting a value with itself may touch it, and
    that is not acting twice.
    """
    found: dict[str, list[str]] = {}
    with database(app).engine.connect() as connection:
        for name in TABLES:
            table = metadata.tables[name]
            columns = [column for column in table.c if column.name != "updated_at"]
            found[name] = sorted(map(repr, connection.execute(select(*columns))))
    return found


def _tenant_column(table: Table) -> Any:
    if table.name == SpstRow.__tablename__:
        return table.c.id
    return table.c.get("spst_id")


def assert_no_leak(answer: TestResponse, victim: Spst, where: object,
                   sent: dict[str, Any] | None = None) -> None:
    """The answer says nothing of ``victim``: none of its marks, in any header or the body.

    :param sent: the request's body; a mark the caller sent itself is not a leak.
    """
    text = answer.get_data(as_text=True) + str(answer.headers)
    for mark in victim.marks:
        if sent is None or mark not in map(str, sent.values()):
            assert mark not in text, (where, mark)


def make_spst(app: Flask, time: Clock, name: str, seed: int) -> Spst:
    """An SPST with two employers, an employee on a long arrêt and an open liaison."""
    tenant = make_tenant(app, f"SPST {name}")
    tenant.sirets = iter(range(seed * 1_000_000, seed * 1_000_000 + 1000))
    employer_name = f"Boulangerie {name}"
    employer = tenant.employer(name=employer_name, headcount=12,
                               contact_email=f"rh@{name.lower()}.example.fr")
    employee = tenant.employee(employer["id"], first_name="Marie", last_name=f"{name}ine",
                               email=f"marie@{name.lower()}.example.fr")
    arret = tenant.arret(employee["id"], start="2026-10-01", end="2026-12-31")
    other = tenant.employer(name=f"Menuiserie {name}", headcount=3)
    with database(app).session() as session:
        spst = session.get(SpstRow, tenant.spst_id)
        assert spst is not None
        spst.planning_email = f"planification@{name.lower()}.example"
        employer_key = api_keys.issue(KeyRepository(session), tenant.spst_id, "employeur",
                                      employer_id=other["id"]).secret
    with database(app).session() as session:
        procedure = liaison.open_liaison(CasesRepository(session, tenant.spst_id),
                                         employee["id"], initiated_by="employer", now=time.now)
        procedure_id = procedure.id
    case = Case(app, tenant, employer["id"], employee["id"], procedure_id, time)
    return Spst(name, tenant, case, arret["id"], other["id"], employer_key,
                marks=(f"{name}ine", employer_name, f"rh@{name.lower()}"), siret=employer["siret"],
                calendar_planner_id=seed)


@pytest.fixture
def notifier_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    from services.notifier.adapters.orm import metadata as notifier_tables
    from services.notifier.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "notifier", create_app, MIGRATIONS,
                                notifier_tables, db_backend, {"TWILIO_AUTH_TOKEN": "jeton-twilio"})


@pytest.fixture
def calendar_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    from services.calendar.adapters.orm import metadata as calendar_tables
    from services.calendar.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "calendar", create_app, MIGRATIONS,
                                calendar_tables, db_backend)


@pytest.fixture
def spst_a(scheduler_app: Flask, clock: Clock, calendar: FakeCalendar) -> Spst:  # noqa: F811
    return make_spst(scheduler_app, clock, "Alpha", 11)


@pytest.fixture
def spst_b(scheduler_app: Flask, clock: Clock, calendar: FakeCalendar) -> Spst:  # noqa: F811
    return make_spst(scheduler_app, clock, "Bravo", 22)


__all__ = ["Case", "Spst", "assert_no_leak", "make_spst", "state"]
