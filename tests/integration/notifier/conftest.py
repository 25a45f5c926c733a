"""Fixtures of the notifier's integration tests: the app on both backends,
a controllable clock, fake gateways, and a local HTTP server that records posts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.notifier.adapters.fakes import FakeEmailGateway, FakeSmsGateway
from services.notifier.service_layer.dispatch import Dispatcher, DispatchSettings
from shared.config import DEV_SERVICE_TOKEN
from shared.db import Database
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture

AUTH = {"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"}
# A Tuesday at 10:00 in Paris: SMS allowed.
WORKING_HOURS = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def notifier_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str, clock: Clock) -> Iterator[Flask]:
    from services.notifier.adapters.orm import metadata
    from services.notifier.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "notifier", create_app,
                                MIGRATIONS, metadata, db_backend, {"CLOCK": clock})


@pytest.fixture
def notifier_client(notifier_app: Flask) -> FlaskClient:
    return notifier_app.test_client()


@pytest.fixture
def notifier_db(notifier_app: Flask) -> Database:
    return database(notifier_app)


class Clock:
    """A settable clock for the dispatcher and the relay."""

    def __init__(self, now: datetime = WORKING_HOURS) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Gateways:
    sms: FakeSmsGateway = field(default_factory=FakeSmsGateway)
    email: FakeEmailGateway = field(default_factory=FakeEmailGateway)


@pytest.fixture
def gateways() -> Gateways:
    return Gateways()


def make_dispatcher(db: Database, gateways: Gateways, clock: Clock,
                    **settings: Any) -> Dispatcher:
    settings.setdefault("quiet_hours", None)
    return Dispatcher(db, gateways.sms, gateways.email, DispatchSettings(**settings),
                      clock=clock, rand=lambda: 0.5)


@pytest.fixture
def dispatcher(notifier_db: Database, gateways: Gateways, clock: Clock) -> Iterator[Dispatcher]:
    from services.notifier.bootstrap import build_quiet_hours

    instance = make_dispatcher(notifier_db, gateways, clock,
                               quiet_hours=build_quiet_hours({}),
                               status_callback_url="https://relais.example.fr/webhooks/twilio/status")
    yield instance
    instance.close()


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RecordingServer:
    """A local HTTP server answering scripted statuses (then 200) and keeping every POST."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with owner.lock:
                    owner.requests.append(Recorded(self.path, dict(self.headers), body))
                    status = owner.statuses.pop(0) if owner.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recording_server() -> Iterator[RecordingServer]:
    with RecordingServer() as server:
        yield server
