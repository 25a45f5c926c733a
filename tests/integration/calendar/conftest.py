"""Fixtures of the calendar service: the app on both backends, a client with the
service token, a controllable clock, a fake CalDAV calendar and a real Radicale.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from services.calendar.adapters.calendar_push import CalendarPush, FakeCalendar
from services.calendar.adapters.orm import CaldavAccount
from tests.conftest import DatabaseFactory, make_app_fixture

TOKEN = "dev-service-token"
PUBLIC = "https://rdv.example.fr"


@dataclass
class Clock:
    """The app's clock in tests: starts at a fixed instant, moved by hand."""

    moment: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@dataclass
class FakeCalendars:
    """One :class:`FakeCalendar` per CalDAV URL, handed to the app as its connector."""

    calendars: dict[str, FakeCalendar] = field(default_factory=dict)
    passwords: list[str] = field(default_factory=list)

    def __call__(self, account: CaldavAccount) -> CalendarPush:
        return self.at(account.url)

    def at(self, url: str) -> FakeCalendar:
        return self.calendars.setdefault(url, FakeCalendar())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def calendar_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str, clock: Clock) -> Iterator[Flask]:
    from services.calendar.adapters.orm import metadata
    from services.calendar.app import MIGRATIONS, create_app

    yield from make_app_fixture(
        request, database_factory, "calendar", create_app, MIGRATIONS, metadata, db_backend,
        extra={"CALENDAR_CLOCK": clock, "PUBLIC_BASE_URL": PUBLIC})


@pytest.fixture
def fake_calendars(calendar_app: Flask) -> FakeCalendars:
    fakes = FakeCalendars()
    calendar_app.extensions["calendar_connect"] = fakes
    return fakes


class Api:
    """The test client with the service token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {TOKEN}"}

    def get(self, url: str, **kwargs: Any) -> TestResponse:
        return self.client.get(url, headers=self.headers, **kwargs)

    def put(self, url: str, json: Any = None) -> TestResponse:
        return self.client.put(url, headers=self.headers, json=json)

    def post(self, url: str, json: Any = None) -> TestResponse:
        return self.client.post(url, headers=self.headers, json=json)

    def delete(self, url: str) -> TestResponse:
        return self.client.delete(url, headers=self.headers)

    # -- sample data ------------------------------------------------------------

    def planner(self, name: str = "Anne Planificatrice") -> int:
        answer = self.post("/api/v1/planners", {"name": name, "email": "anne@spst.example.fr"})
        assert answer.status_code == 201, answer.json
        planner_id: int = answer.json["id"]
        return planner_id

    def event(self, uid: str, **fields: Any) -> dict[str, Any]:
        answer = self.put(f"/api/v1/events/{uid}", event_body(**fields))
        assert answer.status_code in (200, 201), answer.json
        result: dict[str, Any] = answer.json
        return result


def event_body(**fields: Any) -> dict[str, Any]:
    """A valid event body, with ``fields`` replacing parts of it."""
    body: dict[str, Any] = {
        "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-01T09:30:00+01:00",
        "summary": "Visite de reprise", "description": "Apportez vos derniers arrêts.",
        "location": "SPST Centre, 3 rue de la Paix, Paris",
        "organizer": {"name": "Dr Claire Martin", "email": "c.martin@spst.example.fr"},
        "attendees": [
            {"name": "Zoé Dupont", "email": "zoe.dupont@example.fr", "role": "req-participant"},
            {"name": "Boulangerie Martin", "email": "rh@boulangerie.example.fr",
             "role": "opt-participant"},
        ],
    }
    body.update(fields)
    return body


@pytest.fixture
def api(calendar_app: Flask) -> Api:
    return Api(calendar_app.test_client())


# -- a real Radicale ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Radicale:
    """A Radicale server in a subprocess on loopback, with ``[auth] type = none``.

    It can be stopped and started again on the same port and storage, to test
    what happens while the server is down.
    """

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder, self.port = folder, port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.config = folder / "config"
        self.config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            "[auth]\ntype = none\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[logging]\nlevel = warning\n", encoding="utf-8")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "radicale", "--config", str(self.config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                requests.get(self.url, timeout=0.5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        pytest.fail("Radicale n'a pas démarré en 15 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def make_calendar(self, user: str, name: str) -> str:
        """Create a calendar with the ``caldav`` client; its URL."""
        from caldav.davclient import DAVClient

        client = DAVClient(url=self.url, username=user, password="secret")
        calendar = client.principal().make_calendar(name=name, cal_id=name)  # type: ignore[no-untyped-call]
        return str(calendar.url)


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = Radicale(tmp_path_factory.mktemp("radicale"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stoppable_radicale(tmp_path: Path) -> Iterator[Radicale]:
    """A Radicale of the test's own, which the test may stop and restart."""
    server = Radicale(tmp_path)
    server.start()
    yield server
    server.stop()
