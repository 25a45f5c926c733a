"""The three services wired together for the privacy tests, and what they let out.

:class:`Stack` runs the scheduler with its outbox relayed to the real notifier
and calendar apps (their Flask test clients), the calendar's invitations
posted to the same notifier, and the notifier's dispatcher sending through
recording gateways. :class:`LogTap` captures every log record at DEBUG and
the text the services' own (masking) handler actually writes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.calendar.adapters.notifier import (
    Accepted,
    InviteEmail,
    InviteSender,
    NotifierRefused,
    NotifierUnavailable,
)
from services.calendar.service_layer import invites
from services.notifier.adapters.fakes import FakeEmailGateway, FakeSmsGateway
from services.notifier.adapters.orm import Notification
from services.notifier.service_layer.dispatch import Dispatcher, DispatchSettings
from services.scheduler.adapters.links import LinkSigner, Role
from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.service_layer import api_keys
from services.scheduler.service_layer.relay import OutboxRelay
from shared.config import DEV_SERVICE_TOKEN
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.scheduler.conftest import Tenant, make_tenant
from tests.integration.scheduler.workflows.conftest import ClientPeers, Clock

SERVICE = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}


class ClientInvites(InviteSender):
    """The calendar's invitation e-mails, posted to the notifier's test client."""

    def __init__(self, notifier: FlaskClient) -> None:
        self.notifier = notifier

    def send(self, message: InviteEmail) -> Accepted:
        answer = self.notifier.post("/api/v1/notifications", headers=SERVICE,
                                    json=message.payload())
        if answer.status_code >= 500:
            raise NotifierUnavailable(str(answer.status_code))
        if answer.status_code >= 400:
            raise NotifierRefused(answer.get_data(as_text=True)[:200])
        return Accepted(answer.json["id"])


@dataclass
class Stack:
    """The three services of one test, on one backend."""

    scheduler: Flask
    notifier: Flask
    calendar: Flask
    clock: Clock
    spst: Tenant
    sms: FakeSmsGateway = field(default_factory=FakeSmsGateway)
    email: FakeEmailGateway = field(default_factory=FakeEmailGateway)

    @property
    def peers(self) -> ClientPeers:
        return ClientPeers(self.notifier.test_client(), self.calendar.test_client())

    def deliver(self) -> None:
        """Relay the scheduler's outbox, the calendar's invitations, then send everything."""
        report = OutboxRelay(database(self.scheduler), self.peers).run_until_idle(self.clock())
        assert report.failed == 0 and report.retried == 0, report
        invites.run_due(database(self.calendar), ClientInvites(self.notifier.test_client()),
                        self.clock())
        dispatcher = Dispatcher(database(self.notifier), self.sms, self.email,
                                DispatchSettings(quiet_hours=None), clock=self.clock,
                                rand=lambda: 0.5)
        try:
            dispatcher.run_until_idle()
        finally:
            dispatcher.close()

    def employer_key(self, employer_id: int) -> Tenant:
        with database(self.scheduler).session() as session:
            issued = api_keys.issue(KeyRepository(session), self.spst.spst_id, "RH",
                                    employer_id=employer_id)
        return Tenant(self.spst.spst_id, issued.secret, self.scheduler.test_client())

    def link(self, procedure_id: int, role: Role, version: int = 0) -> str:
        signer: LinkSigner = self.scheduler.extensions["relais_links"]
        prefix = "/e/" if role is Role.EMPLOYEE else "/l/"
        return prefix + signer.token(procedure_id, role, version)

    def notifications(self) -> list[Notification]:
        with database(self.notifier).session() as session:
            rows = list(session.scalars(select(Notification).order_by(Notification.created_at)))
            for row in rows:
                session.expunge(row)
            return rows


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notifier_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str, clock: Clock) -> Iterator[Flask]:
    from services.notifier.adapters.orm import metadata
    from services.notifier.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "notifier", create_app, MIGRATIONS,
                                metadata, db_backend, {"CLOCK": clock})


@pytest.fixture
def calendar_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str, clock: Clock) -> Iterator[Flask]:
    from services.calendar.adapters.orm import metadata
    from services.calendar.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "calendar", create_app, MIGRATIONS,
                                metadata, db_backend,
                                {"PUBLIC_BASE_URL": "https://agenda.example.fr",
                                 "CALENDAR_CLOCK": clock})


@pytest.fixture
def scheduler_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                  db_backend: str, clock: Clock, notifier_app: Flask,
                  calendar_app: Flask) -> Iterator[Flask]:
    from services.scheduler.adapters.orm import metadata
    from services.scheduler.app import MIGRATIONS, create_app

    peers = ClientPeers(notifier_app.test_client(), calendar_app.test_client())
    yield from make_app_fixture(request, database_factory, "scheduler", create_app, MIGRATIONS,
                                metadata, db_backend, {"CLOCK": clock, "PEERS": peers})


@pytest.fixture
def stack(scheduler_app: Flask, notifier_app: Flask, calendar_app: Flask,
          clock: Clock) -> Stack:
    from services.scheduler.adapters.orm import Spst

    tenant = make_tenant(scheduler_app, "SPST Alpha")
    with database(scheduler_app).session() as session:
        row = session.get(Spst, tenant.spst_id)
        assert row is not None
        row.planning_email = "planification@spst-alpha.fr"
    return Stack(scheduler_app, notifier_app, calendar_app, clock, tenant)


@dataclass
class LogTap:
    """Every record (``caplog``) and the text the services' own handler writes."""

    caplog: pytest.LogCaptureFixture
    written: io.StringIO

    def records(self) -> list[str]:
        return [f"{r.name} {r.levelname} {r.getMessage()}" for r in self.caplog.records]

    def output(self) -> str:
        return self.written.getvalue()


@pytest.fixture
def logs(stack: Stack, caplog: pytest.LogCaptureFixture) -> Iterator[LogTap]:
    """Capture at DEBUG, every logger, after the apps configured the logging."""
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "_relais", False)]
    assert len(handlers) == 1, "the services' masking handler is installed"
    handler = handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    written = io.StringIO()
    previous = handler.setStream(written)
    level = handler.level
    handler.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    quieter = [logger for logger in logging.root.manager.loggerDict.values()
               if isinstance(logger, logging.Logger)
               and (logger.level > logging.DEBUG or not logger.propagate)]
    saved = [(logger, logger.level, logger.propagate) for logger in quieter]
    for logger in quieter:
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
    try:
        yield LogTap(caplog, written)
    finally:
        for logger, saved_level, propagate in saved:
            logger.setLevel(saved_level)
            logger.propagate = propagate
        handler.setLevel(level)
        handler.setStream(previous)
