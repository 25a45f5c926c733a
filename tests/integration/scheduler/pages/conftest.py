"""Fixtures of the pages: a fixed clock, a liaison case, links, a planner, a fake calendar.

The clock is Monday 2026-11-23 10:00 Paris; the employee's arrêt runs from
2026-10-01 to 2026-12-31, so a liaison accepted today has the window
[2026-12-01, 2026-12-08].
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from services.scheduler.adapters.links import LinkSigner, Role
from services.scheduler.adapters.orm import Procedure, Slot, Spst
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.entrypoints.pages import accounts
from services.scheduler.entrypoints.pages.calendar_links import FeedUrls
from services.scheduler.service_layer import liaison
from shared.web import database
from tests.integration.scheduler.conftest import Tenant

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Paris
PASSWORD = "un mot de passe solide"
TABLES = ("procedures", "slots", "due_actions", "outbox", "planner_accounts", "employees")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeCalendar:
    """Stands for the calendar service: records the calls, answers fixed URLs."""

    available: bool = True
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def ics_url(self, uid: str) -> str | None:
        self.calls.append(("ics", uid))
        return f"https://agenda.example/i/{uid}.ics" if self.available else None

    def rotate_feed(self, calendar_planner_id: int) -> FeedUrls | None:
        self.calls.append(("feed", calendar_planner_id))
        if not self.available:
            return None
        n = len(self.calls)
        return FeedUrls(f"https://agenda.example/feeds/jeton{n}.ics",
                        f"webcal://agenda.example/feeds/jeton{n}.ics")


@pytest.fixture
def clock(scheduler_app: Flask) -> Clock:
    found = Clock(NOW)
    scheduler_app.config["CLOCK"] = found
    return found


@pytest.fixture
def calendar(scheduler_app: Flask) -> FakeCalendar:
    fake = FakeCalendar()
    scheduler_app.extensions["relais_pages_calendar"] = fake
    return fake


def csrf_of(page: TestResponse) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:2000]
    return found.group(1)


def post_form(client: FlaskClient, page_url: str, action: str, data: dict[str, str],
              ) -> TestResponse:
    """Open the page (which sets the session's CSRF token), then POST the form."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action, data={"csrf_token": csrf_of(page), **data})


@dataclass
class Case:
    """A liaison case and its links."""

    app: Flask
    tenant: Tenant
    employer_id: int
    employee_id: int
    procedure_id: int
    clock: Clock

    @property
    def signer(self) -> LinkSigner:
        signer: LinkSigner = self.app.extensions["relais_links"]
        return signer

    def token(self, role: Role, procedure_id: int | None = None, version: int | None = None,
              ) -> str:
        pid = self.procedure_id if procedure_id is None else procedure_id
        return self.signer.token(pid, role, self.procedure().link_version
                                 if version is None else version)

    @property
    def employee_url(self) -> str:
        return f"/e/{self.token(Role.EMPLOYEE)}"

    @property
    def employer_url(self) -> str:
        return f"/l/{self.token(Role.EMPLOYER)}"

    def procedure(self, procedure_id: int | None = None) -> Procedure:
        with database(self.app).session() as session:
            row = session.get(Procedure, procedure_id or self.procedure_id)
            assert row is not None
            return row

    def slots(self) -> list[Slot]:
        with database(self.app).session() as session:
            return list(session.scalars(select(Slot).where(
                Slot.procedure_id == self.procedure_id).order_by(Slot.starts_at)))

    def accept(self) -> None:
        with database(self.app).session() as session:
            liaison.answer(CasesRepository(session, self.tenant.spst_id), self.procedure_id,
                           accept=True, via="api", now=self.clock.now)

    def confirm_first_slot(self) -> None:
        slot = self.slots()[0]
        with database(self.app).session() as session:
            liaison.confirm(CasesRepository(session, self.tenant.spst_id), self.procedure_id,
                            slot.starts_at, now=self.clock.now, mode="remote")


def make_case(app: Flask, tenant: Tenant, clock: Clock, headcount: int = 12) -> Case:
    employer = tenant.employer(headcount=headcount, contact_email="rh@example.fr")
    employee = tenant.employee(employer["id"], email="marie@example.fr")
    tenant.arret(employee["id"], start="2026-10-01", end="2026-12-31")
    with database(app).session() as session:
        spst = session.get(Spst, tenant.spst_id)
        assert spst is not None
        spst.planning_email = "planification@spst.example"
    with database(app).session() as session:
        procedure = liaison.open_liaison(CasesRepository(session, tenant.spst_id),
                                         employee["id"], initiated_by="employer", now=clock.now)
        procedure_id = procedure.id
    return Case(app, tenant, employer["id"], employee["id"], procedure_id, clock)


@pytest.fixture
def case(scheduler_app: Flask, tenant_a: Tenant, clock: Clock, calendar: FakeCalendar) -> Case:
    return make_case(scheduler_app, tenant_a, clock)


@pytest.fixture
def client(scheduler_app: Flask) -> FlaskClient:
    return scheduler_app.test_client()


@dataclass
class PlannerLogin:
    email: str
    spst_id: int
    client: FlaskClient

    def login(self) -> None:
        answer = post_form(self.client, "/planner/connexion", "/planner/connexion",
                           {"email": self.email, "password": PASSWORD})
        assert answer.status_code == 302, answer.get_data(as_text=True)


@pytest.fixture
def planner(scheduler_app: Flask, case: Case) -> PlannerLogin:
    with database(scheduler_app).session() as session:
        accounts.create_planner(session, case.tenant.spst_id, "Planif@Example.fr",
                                "Paule Planning", PASSWORD, calendar_planner_id=7)
    found = PlannerLogin("planif@example.fr", case.tenant.spst_id, scheduler_app.test_client())
    found.login()
    return found


def snapshot(app: Flask) -> dict[str, Any]:
    """Every row of the tables an action could change."""
    with database(app).engine.connect() as connection:
        return {table: sorted(map(repr, connection.execute(text(f"SELECT * FROM {table}"))))
                for table in TABLES}
