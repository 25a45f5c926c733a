"""Fixtures of the workflows: a fixed clock, recording peers, two tenants' keys.

The scheduler runs with ``CLOCK`` (a :class:`Clock` to move by hand) and
``PEERS`` (:class:`FakePeers`, which records every call and can be down);
the relay tests swap in the real notifier and calendar apps
(``notifier_app``, ``calendar_app`` and :class:`ClientPeers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.scheduler.adapters.orm import DueAction, OutboxMessage, Procedure, Spst
from services.scheduler.adapters.peers import PeerError, parse_busy
from services.scheduler.domain.workflows.slots import Interval
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.scheduler.conftest import Tenant, make_tenant

# Monday 2025-04-07, 10:00 in Paris.
MONDAY = datetime(2025, 4, 7, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakePeers:
    """Records what the scheduler asks; ``down`` makes every call fail (503)."""

    down: bool = False
    busy_periods: list[Interval] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def _check(self) -> None:
        if self.down:
            raise PeerError("service indisponible", 503)

    def notify(self, payload: dict[str, Any]) -> None:
        self._check()
        self.calls.append(("notify", payload))

    def put_event(self, uid: str, body: dict[str, Any]) -> None:
        self._check()
        self.calls.append(("put_event", (uid, body)))

    def cancel_event(self, uid: str) -> None:
        self._check()
        self.calls.append(("cancel_event", uid))

    def invite_link(self, uid: str) -> str:
        self._check()
        return f"https://agenda.example.fr/i/{uid}.ics"

    def busy(self, planner_id: int, start: datetime, end: datetime) -> list[Interval]:
        self._check()
        self.calls.append(("busy", (planner_id, start, end)))
        return list(self.busy_periods)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def peers() -> FakePeers:
    return FakePeers()


@pytest.fixture
def wf_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory, db_backend: str,
           clock: Clock, peers: FakePeers) -> Iterator[Flask]:
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "scheduler", create_app, MIGRATIONS,
                                metadata, db_backend, extra={"CLOCK": clock, "PEERS": peers})


@pytest.fixture
def spst(wf_app: Flask) -> Tenant:
    tenant = make_tenant(wf_app, "SPST Alpha")
    with database(wf_app).session() as session:
        row = session.get(Spst, tenant.spst_id)
        assert row is not None
        row.planning_email = "planification@spst-alpha.fr"
    return tenant


@dataclass
class Case:
    employer_id: int
    employee_id: int


def make_case(tenant: Tenant, *, start: str = "2025-03-03", end: str = "2025-05-31",
              cause: str = "maladie", headcount: int = 12, **employee: Any) -> Case:
    employer = tenant.employer(contact_email="rh@boulangerie.fr", headcount=headcount)
    person = tenant.employee(employer["id"], **employee)
    tenant.arret(person["id"], cause=cause, start=start, end=end)
    return Case(employer["id"], person["id"])


def outbox(app: Flask, **filters: Any) -> list[OutboxMessage]:
    with database(app).session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in filters.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = list(session.scalars(query))
        for row in rows:
            session.expunge(row)
        return rows


def templates(app: Flask) -> list[tuple[str, str, str]]:
    """``(template, channel, to)`` of every queued notification, in order."""
    return [(r.payload["template"], r.payload["channel"], r.payload["to"])
            for r in outbox(app, operation="notify")]


def due_actions(app: Flask) -> list[tuple[str, datetime, str]]:
    with database(app).session() as session:
        return [(a.kind, a.due_at, a.status) for a in session.scalars(
            select(DueAction).order_by(DueAction.due_at, DueAction.id))]


def procedure_row(app: Flask, procedure_id: int) -> Procedure:
    with database(app).session() as session:
        row = session.get(Procedure, procedure_id)
        assert row is not None
        session.expunge(row)
        return row


# -- the real notifier and calendar, for the relay ---------------------------------

TOKEN = {"Authorization": "Bearer dev-service-token"}


class ClientPeers:
    """The peers over the real apps' Flask test clients."""

    def __init__(self, notifier: FlaskClient, calendar: FlaskClient) -> None:
        self.notifier, self.calendar = notifier, calendar

    @staticmethod
    def _ok(answer: Any) -> Any:
        if answer.status_code >= 400:
            raise PeerError(f"{answer.status_code}: {answer.get_data(as_text=True)[:200]}",
                            answer.status_code)
        return answer.json

    def notify(self, payload: dict[str, Any]) -> None:
        self._ok(self.notifier.post("/api/v1/notifications", headers=TOKEN, json=payload))

    def put_event(self, uid: str, body: dict[str, Any]) -> None:
        self._ok(self.calendar.put(f"/api/v1/events/{uid}", headers=TOKEN, json=body))

    def cancel_event(self, uid: str) -> None:
        self._ok(self.calendar.delete(f"/api/v1/events/{uid}", headers=TOKEN))

    def invite_link(self, uid: str) -> str:
        return str(self._ok(self.calendar.post(f"/api/v1/events/{uid}/links",
                                               headers=TOKEN))["url"])

    def busy(self, planner_id: int, start: datetime, end: datetime) -> list[Interval]:
        return parse_busy(self._ok(self.calendar.get(
            f"/api/v1/planners/{planner_id}/busy", headers=TOKEN,
            query_string={"from": start.isoformat(), "to": end.isoformat()})))

    def erase_notifications(self, request: dict[str, Any]) -> None:
        self._ok(self.notifier.post("/internal/v1/erasures", headers=TOKEN, json=request))

    def erase_events(self, request: dict[str, Any]) -> None:
        self._ok(self.calendar.post("/internal/v1/erasures", headers=TOKEN, json=request))


@pytest.fixture
def notifier_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    from services.notifier.adapters.orm import metadata
    from services.notifier.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "notifier", create_app, MIGRATIONS,
                                metadata, db_backend)


@pytest.fixture
def calendar_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    from services.calendar.adapters.orm import metadata
    from services.calendar.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "calendar", create_app, MIGRATIONS,
                                metadata, db_backend,
                                extra={"PUBLIC_BASE_URL": "https://agenda.example.fr"})
