"""The three services and their workers, started for real as in ``make run``.

Each web service runs under gunicorn with ``deploy/gunicorn.conf.py`` (one
worker: the test machine is small), each worker as ``python -m ...``, all on
free loopback ports and fresh databases, migrated with ``flask ... migrate``.
The notifier uses its console backend: what it "sends" is kept in its
``console_messages`` table (the developer's inbox, ``/dev/outbox``), which the
tests read to see exactly what each person received.

Every process runs in its own process group, so that stopping the stack also
stops anything it started; its output goes to a log file in the artifacts
folder, shown when a test fails.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import requests
from sqlalchemy import create_engine, or_, select, text
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "var" / "test-artifacts"
VENV_BIN = Path(sys.executable).parent
SERVICES = ("scheduler", "notifier", "calendar")
SERVICE_TOKEN = "e2e-service-token"
SECRET_KEY = "e2e-secret-key"
#: The notifier checks Twilio's signature on inbound SMS with this token; without
#: an account SID the SMS still go through the console backend.
TWILIO_AUTH_TOKEN = "e2e-twilio-auth-token"
START_TIMEOUT = float(os.environ.get("RELAIS_E2E_START_TIMEOUT", "60"))
SCHEDULER_WORKER = "services.scheduler.entrypoints.worker"
#: The longest a scenario waits for what the services do in the background, and
#: for one HTTP answer. Conditions are polled, so a green run never waits that
#: long; the margin is for a machine busy with other work.
WAIT = float(os.environ.get("RELAIS_E2E_WAIT", "60"))

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def wait_for(condition: Callable[[], T | None], what: str, timeout: float = WAIT,
             interval: float = 0.2, stack: Stack | None = None) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    :param stack: checked on each turn, so that a crashed process fails at once.
    :raises AssertionError: after ``timeout`` seconds, naming ``what``.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if stack is not None:
            stack.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"délai de {timeout:.0f} s dépassé : {what}")
        time.sleep(interval)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


@dataclass
class Message:
    """One message the notifier's console backend "sent"."""

    channel: str
    recipient: str
    reference: str
    subject: str | None
    body: str
    html: str | None
    attachments: list[str]
    created_at: datetime
    template: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def links(self) -> list[str]:
        """The http(s) URLs in the text, in order."""
        return re.findall(r"https?://[^\s<>\"')]+", self.body)


class Stack:
    """Starts, queries and stops the three services and their workers."""

    def __init__(self, folder: Path, data_dir: Path, backend: str = "sqlite",
                 postgres_url: str | None = None) -> None:
        self.folder = folder
        self.data_dir = data_dir
        self.backend = backend
        self.postgres_url = postgres_url
        self.ports = {service: free_port() for service in SERVICES}
        self.urls = {service: f"http://127.0.0.1:{port}" for service, port in self.ports.items()}
        self.database_urls: dict[str, str] = {}
        self.pg_databases: list[str] = []
        self.processes: list[Process] = []
        self.spst_id = 0
        self.api_key = ""
        self.planner_created = False
        self.sessions: list[requests.Session] = []
        self.http = requests.Session()

    # --- life cycle ---------------------------------------------------------

    def env(self) -> dict[str, str]:
        """The environment every process of the stack runs with."""
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("TWILIO_", "SMTP_", "DATABASE_URL"))
               and not key.endswith(("_DATABASE_URL", "_PORT", "_PUBLIC_URL"))}
        env.update({
            "RELAIS_ENV": "development",  # the console backend's /dev/outbox is open
            "RELAIS_DATA_DIR": str(self.data_dir),
            "RELAIS_SERVICE_TOKEN": SERVICE_TOKEN,
            "RELAIS_SECRET_KEY": SECRET_KEY,
            "RELAIS_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_THREADS": "4",
            # Peers.
            "SCHEDULER_URL": self.urls["scheduler"],
            "NOTIFIER_URL": self.urls["notifier"],
            "CALENDAR_URL": self.urls["calendar"],
            # Quiet hours off: the scenarios must pass at any hour, any day.
            "NOTIFIER_SMS_FROM": "00:00", "NOTIFIER_SMS_UNTIL": "23:59:59.999999",
            "NOTIFIER_QUIET_SUNDAYS": "0", "NOTIFIER_QUIET_HOLIDAYS": "0",
            "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
            # Fast loops.
            "NOTIFIER_DISPATCH_INTERVAL": "0.2",
            "NOTIFIER_BACKOFF_BASE": "0.2", "NOTIFIER_BACKOFF_CAP": "2",
            "CALENDAR_PUSH_INTERVAL": "1",
            "RELAIS_SCHEDULER_RELAY_INTERVAL": "0.2",
            # Generous limits: the scenarios send bursts.
            "RELAIS_API_RATE_LIMIT": "100000/minute",
            "RELAIS_EVALUATE_RATE_LIMIT": "100000/minute",
            "RELAIS_NOTIFIER_RATE_LIMIT": "100000/minute",
            "RELAIS_CALENDAR_API_RATE_LIMIT": "100000/minute",
            "RELAIS_FEED_RATE_LIMIT": "100000/minute",
        })
        for service in SERVICES:
            prefix = service.upper()
            env[f"{prefix}_PORT"] = str(self.ports[service])
            env[f"{prefix}_PUBLIC_URL"] = self.urls[service]
            env[f"{prefix}_DATABASE_URL"] = self.database_urls[service]
        return env

    def _database_url(self, service: str) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.data_dir / (service + '.db')}"
        assert self.postgres_url, "RELAIS_TEST_POSTGRES_URL manquant"
        name = f"relais_e2e_{service}_{uuid.uuid4().hex[:8]}"
        admin = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.pg_databases.append(name)
        return make_url(self.postgres_url).set(database=name).render_as_string(
            hide_password=False)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for service in SERVICES:
            self.database_urls[service] = self._database_url(service)
        migrations = [self._spawn(f"migrate-{service}",
                                  [str(VENV_BIN / "flask"), "--app", f"services.{service}.app",
                                   "migrate"]) for service in SERVICES]
        for process in migrations:
            self._finished(process, 120)
        self.processes.clear()
        for service in SERVICES:
            self._spawn(service, [
                str(VENV_BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                # Its own control socket would replace that of `make run`.
                "--no-control-socket",
                "--bind", f"127.0.0.1:{self.ports[service]}",
                f"services.{service}.app:create_app()"])
        self._spawn("notifier-worker", [sys.executable, "-m",
                                        "services.notifier.entrypoints.worker"])
        self._spawn("calendar-worker", [sys.executable, "-m",
                                        "services.calendar.entrypoints.worker"])
        if module_exists(SCHEDULER_WORKER):
            self._spawn("scheduler-worker", [sys.executable, "-m", SCHEDULER_WORKER])
        for service in SERVICES:
            wait_for(lambda s=service: self._healthy(s),  # type: ignore[misc]
                     f"{service} ne répond pas sur /healthz", START_TIMEOUT, stack=self)

    def _healthy(self, service: str) -> bool:
        try:
            return self.http.get(self.urls[service] + "/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    def ensure_tenant(self) -> int:
        """The development SPST and its API key (``flask ... dev-setup``, as ``make run``)."""
        if self.api_key:
            return self.spst_id
        output = self.flask("scheduler", "dev-setup")
        spst = re.search(r"\(SPST (\d+)\)", output)
        key = re.search(r"Clé d'API de développement : (\S+)", output)
        assert spst and key, f"dev-setup : sortie inattendue\n{output}"
        self.spst_id, self.api_key = int(spst.group(1)), key.group(1)
        return self.spst_id

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str] | None = None
               ) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("ab") as output:
            popen = subprocess.Popen(argv, cwd=REPO_ROOT, env=dict(env or self.env()),
                                     stdout=output, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def _finished(self, process: Process, timeout: float) -> str:
        code = process.popen.wait(timeout)
        output = process.log.read_text(errors="replace")
        assert code == 0, f"{process.name} a échoué (code {code}) :\n{output[-3000:]}"
        return output

    def flask(self, service: str, *args: str, env: Mapping[str, str] | None = None,
              timeout: float = 120) -> str:
        """Run ``flask --app services.SERVICE.app ARGS`` with the stack's settings."""
        name = f"flask-{service}-{args[0] if args else 'help'}-{uuid.uuid4().hex[:4]}"
        process = self._spawn(name, [str(VENV_BIN / "flask"), "--app",
                                     f"services.{service}.app", *args],
                              {**self.env(), **(env or {})})
        try:
            return self._finished(process, timeout)
        finally:
            self.processes.remove(process)

    def python(self, module: str, *args: str, timeout: float = 120) -> str:
        """Run ``python -m MODULE ARGS`` with the stack's settings (a one-off command)."""
        name = f"{module.rsplit('.', 1)[-1]}-{uuid.uuid4().hex[:4]}"
        process = self._spawn(name, [sys.executable, "-m", module, *args])
        try:
            return self._finished(process, timeout)
        finally:
            self.processes.remove(process)

    def check_alive(self) -> None:
        """Fail at once, with its log, if a long-running process has stopped."""
        for process in self.processes:
            code = process.popen.poll()
            if code is not None:
                tail = process.log.read_text(errors="replace")[-3000:]
                raise AssertionError(f"{process.name} s'est arrêté (code {code}) :\n{tail}")

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.popen.pid, signal.SIGKILL)
                process.popen.wait(timeout=5)
        self.processes.clear()
        self.http.close()
        if self.pg_databases and self.postgres_url:
            admin = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                for name in self.pg_databases:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    def close_sessions(self) -> None:
        """Close the HTTP sessions the test's people opened."""
        while self.sessions:
            self.sessions.pop().close()

    def log_tails(self, lines: int = 40) -> str:
        """The end of every log, for a failed test's report."""
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {log.name} ({log})\n" + "\n".join(tail))
        return "\n".join(parts)

    # --- HTTP ---------------------------------------------------------------

    def api(self, method: str, path: str, json: Any = None, *, expect: int | None = None,
            **kwargs: Any) -> requests.Response:
        """Call the scheduler's public API with the SPST's key."""
        self.ensure_tenant()
        response = self.http.request(method, self.urls["scheduler"] + path, json=json,
                                     headers={"Authorization": f"Bearer {self.api_key}"},
                                     timeout=WAIT, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path} : {response.status_code} au lieu de {expect}\n"
                f"{response.text[:2000]}")
        return response

    def service(self, service: str, method: str, path: str, json: Any = None, *,
                expect: int | None = None, **kwargs: Any) -> requests.Response:
        """Call a service's internal API with the service token."""
        response = self.http.request(method, self.urls[service] + path, json=json,
                                     headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                                     timeout=WAIT, **kwargs)
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path} : {response.status_code} au lieu de {expect}\n"
                f"{response.text[:2000]}")
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        """GET an absolute URL (a link someone received)."""
        return self.http.get(url, timeout=WAIT, **kwargs)

    # --- what people received ----------------------------------------------

    @contextlib.contextmanager
    def _connect(self, service: str) -> Iterator[Any]:
        engine = create_engine(self.database_urls[service])
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def inbox(self, recipient: str | None = None) -> list[Message]:
        """Every message the console backend sent (to ``recipient``), oldest first.

        Each is joined to its notification for the template kind and data.
        """
        from services.notifier.adapters.orm import ConsoleMessage, Notification

        query = (select(ConsoleMessage, Notification.template, Notification.data)
                 # An SMS carries its idempotency key, an e-mail its notification id.
                 .join(Notification, or_(Notification.idempotency_key == ConsoleMessage.reference,
                                         Notification.id == ConsoleMessage.reference),
                       isouter=True)
                 .order_by(ConsoleMessage.id))
        if recipient is not None:
            # An e-mail's recipient may read "Name <address>".
            query = query.where(ConsoleMessage.recipient.contains(recipient, autoescape=True))
        with self._connect("notifier") as connection:
            rows = connection.execute(query).all()
        return [Message(channel=row.channel, recipient=row.recipient, reference=row.reference,
                        subject=row.subject, body=row.body, html=row.html,
                        attachments=list(row.attachments or []), created_at=row.created_at,
                        template=row.template, data=dict(row.data or {}))
                for row in rows]

    def wait_for_message(self, recipient: str, template: str | None = None,
                         channel: str | None = None, *, count: int = 1,
                         where: Callable[[Message], bool] | None = None,
                         timeout: float = WAIT) -> list[Message]:
        """Wait until ``recipient`` has at least ``count`` matching messages; return them.

        :param where: a further condition on each message.
        """
        def matching() -> list[Message]:
            found = [m for m in self.inbox(recipient)
                     if (template is None or m.template == template)
                     and (channel is None or m.channel == channel)
                     and (where is None or where(m))]
            return found if len(found) >= count else []

        what = (f"{count} message(s) {template or ''} {channel or ''} pour {recipient} ; "
                f"reçus : {[(m.channel, m.template) for m in self.inbox(recipient)]}")
        try:
            return wait_for(matching, what, timeout, stack=self)
        except AssertionError:
            what = (f"{count} message(s) {template or ''} {channel or ''} pour {recipient} ; "
                    f"reçus : {[(m.channel, m.template) for m in self.inbox(recipient)]}")
            raise AssertionError(what) from None

    def notifications(self, recipient: str) -> list[dict[str, Any]]:
        """The notifier's requests for ``recipient`` (whatever their status)."""
        from services.notifier.adapters.orm import Notification

        with self._connect("notifier") as connection:
            rows = connection.execute(select(Notification).where(
                Notification.recipient == recipient)).mappings().all()
        return [dict(row) for row in rows]

    def rows(self, service: str, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Read a service's database directly (for what no API exposes)."""
        with self._connect(service) as connection:
            return [dict(row) for row in connection.execute(text(sql), params).mappings()]
