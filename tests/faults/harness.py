"""The stack under faults: real providers' stand-ins, processes killed and restarted, a client.

:class:`FaultStack` is the end-to-end stack (:class:`tests.e2e.stack.Stack`:
gunicorn and the workers as in ``make run``, migrated databases) on a private
PostgreSQL cluster, with the notifier sending through Twilio's and SMTP's
stand-ins (:mod:`tests.faults.sinks`) instead of its console backend. It can
``kill -9`` any of its six long-running processes (a web server with its
gunicorn worker: the whole process group), hold a service down, and restart
what it killed with the same command, as a supervisor would.

:class:`Chaos` kills a random process at random moments (from a seeded
``random.Random``: the choices and pauses replay with the same seed; thread
timing does not) and restarts it after a short random outage.
:class:`Supervisor` restarts any process that stopped on its own, and notes it.

:class:`Api` is the SPST's client of the scheduler's API during all this: it
retries through connection errors and 5xx, and after a failed call whose
outcome is unknown it first checks whether the change was made (``settle``),
so that a non-idempotent request is never applied twice.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import requests

from tests.e2e.stack import Process, Stack
from tests.faults.sinks import ACCOUNT_SID, FROM_NUMBER

#: The long-running processes of each service, by the names the stack gives them.
PROCESSES = {"scheduler": ("scheduler", "scheduler-worker"),
             "notifier": ("notifier", "notifier-worker"),
             "calendar": ("calendar", "calendar-worker")}
LONG_RUNNING = tuple(name for names in PROCESSES.values() for name in names)
SERVICE_OF = {name: service for service, names in PROCESSES.items() for name in names}
WEB = frozenset(PROCESSES)

#: Waits scaled to a test, not correctness: short leases (the messages a
#: killed process had claimed are due again after seconds, not minutes),
#: backoffs capped at a few seconds, and as many more attempts, so that an
#: outage of a minute exhausts none (production: about an hour of retries).
FAULT_SETTINGS = {
    "NOTIFIER_LEASE_SECONDS": "3",
    "NOTIFIER_MAX_ATTEMPTS": "1000",
    "NOTIFIER_BACKOFF_BASE": "0.5",
    "NOTIFIER_BACKOFF_CAP": "3",
    "NOTIFIER_PROVIDER_TIMEOUT": "5",
    "NOTIFIER_DISPATCH_CONCURRENCY": "4",
    "RELAIS_SCHEDULER_RELAY_LEASE": "10",
    "RELAIS_SCHEDULER_RELAY_FIRST_DELAY": "2",
    "RELAIS_SCHEDULER_RELAY_MAX_DELAY": "8",
    "RELAIS_SCHEDULER_RELAY_MAX_ATTEMPTS": "1000",
    "CALENDAR_OUTBOX_LEASE": "10",
    "CALENDAR_OUTBOX_FIRST_DELAY": "2",
    "CALENDAR_OUTBOX_MAX_DELAY": "8",
    "CALENDAR_OUTBOX_MAX_ATTEMPTS": "1000",
}


class FaultStack(Stack):
    """The three services on a private cluster, with real providers' stand-ins, killable."""

    def __init__(self, folder: Path, data_dir: Path, postgres_url: str, twilio_url: str,
                 smtp_port: int) -> None:
        super().__init__(folder, data_dir, "postgresql", postgres_url)
        self.twilio_url, self.smtp_port = twilio_url, smtp_port
        self.commands: dict[str, list[str]] = {}
        self.lock = threading.RLock()
        self.held: set[str] = set()
        self.journal: list[str] = []
        self.unexpected: list[str] = []
        self.kills: dict[str, int] = dict.fromkeys(LONG_RUNNING, 0)
        self.clock = time.monotonic()

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update({
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.twilio_url,
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
            "SMTP_SECURITY": "none", **FAULT_SETTINGS,
        })
        return env

    def note(self, what: str) -> None:
        """A line of the run's journal (printed: pytest shows it when a test fails)."""
        line = f"{time.monotonic() - self.clock:7.1f} s  {what}"
        with self.lock:
            self.journal.append(line)
        print(line, flush=True)

    # --- processes ----------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: Any = None) -> Process:
        with self.lock:
            if name in LONG_RUNNING:
                self.commands.setdefault(name, list(argv))
            return super()._spawn(name, argv, env)

    def _alive(self, name: str) -> list[Process]:
        return [p for p in self.processes if p.name == name]

    def kill(self, name: str) -> None:
        """``kill -9`` the process group of ``name`` (a gunicorn master and its worker)."""
        with self.lock:
            found = self._alive(name)
            for process in found:
                self.processes.remove(process)
        for process in found:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.popen.pid, signal.SIGKILL)
            process.popen.wait(timeout=15)
        if found:
            self.kills[name] += 1

    def launch(self, name: str) -> None:
        """Start ``name`` again with its first command line, unless it runs already."""
        with self.lock:
            if not self._alive(name):
                self._spawn(name, self.commands[name])

    def take_down(self, service: str) -> None:
        """Kill the service's web server and worker and keep them down."""
        with self.lock:
            self.held.add(service)
        for name in PROCESSES[service]:
            self.kill(name)
        self.note(f"{service} arrêté (web et worker)")

    def bring_up(self, service: str) -> None:
        with self.lock:
            self.held.discard(service)
            for name in PROCESSES[service]:
                self.launch(name)
        self.wait_healthy(service)
        self.note(f"{service} redémarré")

    def wait_healthy(self, service: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with requests.Session() as http:
            while time.monotonic() < deadline:
                with contextlib.suppress(requests.RequestException):
                    if http.get(self.urls[service] + "/healthz", timeout=2).ok:
                        return
                time.sleep(0.2)
        raise AssertionError(f"{service} ne répond pas sur /healthz après {timeout:.0f} s")

    def check_alive(self) -> None:
        with self.lock:
            processes = list(self.processes)
        for process in processes:
            code = process.popen.poll()
            if code is not None and process.name not in LONG_RUNNING:
                continue
            if code is not None:
                tail = process.log.read_text(errors="replace")[-3000:]
                raise AssertionError(f"{process.name} s'est arrêté (code {code}) :\n{tail}")

    def restart_stopped(self) -> list[str]:
        """Restart every long-running process that stopped on its own; their names."""
        restarted = []
        with self.lock:
            for process in list(self.processes):
                if process.name in LONG_RUNNING and process.popen.poll() is not None:
                    self.processes.remove(process)
                    self.unexpected.append(f"{process.name} (code {process.popen.returncode})")
                    restarted.append(process.name)
                    self._spawn(process.name, self.commands[process.name])
        for name in restarted:
            self.note(f"{name} s'est arrêté de lui-même : relancé")
        return restarted

    def all_up(self) -> bool:
        with self.lock:
            names = {p.name for p in self.processes if p.popen.poll() is None}
        return set(LONG_RUNNING) <= names

    def run_once(self, name: str, argv: list[str], timeout: float = 180) -> tuple[int, str]:
        """A one-off command with the stack's settings: its exit code and output."""
        process = self._spawn(f"{name}-{time.monotonic_ns() % 10**8}", argv)
        try:
            code = process.popen.wait(timeout)
        finally:
            with self.lock:
                self.processes.remove(process)
        return code, process.log.read_text(errors="replace")

    def sweep(self, daily: bool = True, attempts: int = 8) -> str:
        """``flask ... sweep`` (daily sweep, due actions, relay), run again until it succeeds.

        A sweep that meets the database down fails; it is idempotent, so it runs again.

        :param daily: False leaves out the daily sweep (:mod:`tests.faults.due_sweep`).
        """
        from tests.e2e.stack import VENV_BIN

        argv = ([str(VENV_BIN / "flask"), "--app", "services.scheduler.app", "sweep"] if daily
                else [sys.executable, "-m", "tests.faults.due_sweep"])
        output = ""
        for attempt in range(1, attempts + 1):
            code, output = self.run_once("sweep" if daily else "due-sweep", argv)
            if code == 0:
                summary = " | ".join(line for line in output.splitlines()
                                     if line.startswith(("balayage", "actions", "outbox")))
                self.note(f"balayage : {summary}")
                return output
            self.note(f"balayage n° {attempt} en échec (code {code}), relancé")
            time.sleep(1)
        raise AssertionError(f"le balayage échoue toujours :\n{output[-3000:]}")


class Chaos:
    """Kills a random long-running process at random moments, then restarts it.

    The scheduler's worker starts with a whole daily sweep (minutes of CPU for
    thousands of employees on leave, about 20 s for 300 on this machine): it is
    drawn less often, or a small machine would do little else.
    """

    WEIGHTS: ClassVar[dict[str, float]] = {"scheduler-worker": 0.15}

    def __init__(self, stack: FaultStack, rng: random.Random,
                 every: tuple[float, float] = (4.0, 8.0),
                 outage: tuple[float, float] = (0.0, 1.5)) -> None:
        self.stack, self.rng, self.every, self.outage = stack, rng, every, outage
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self.error: BaseException | None = None

    def __enter__(self) -> Chaos:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=60)
        if self.error is not None:
            raise AssertionError(f"le chaos a échoué : {self.error!r}") from self.error

    def _run(self) -> None:
        # Each process at least once, in a random order, then at random.
        first = list(LONG_RUNNING)
        self.rng.shuffle(first)
        try:
            while not self.stopped.wait(self.rng.uniform(*self.every)):
                name = first.pop() if first else self.rng.choices(
                    LONG_RUNNING, [self.WEIGHTS.get(n, 1.0) for n in LONG_RUNNING])[0]
                outage = self.rng.uniform(*self.outage)
                if SERVICE_OF[name] in self.stack.held:
                    continue
                self.stack.kill(name)
                self.stack.note(f"kill -9 {name} ; relancé dans {outage:.1f} s")
                self.stopped.wait(outage)
                with self.stack.lock:
                    if SERVICE_OF[name] not in self.stack.held:
                        self.stack.launch(name)
        except BaseException as exc:  # reported by stop()
            self.error = exc


class Supervisor:
    """Restarts, like a process manager, what stopped without being told to."""

    def __init__(self, stack: FaultStack) -> None:
        self.stack = stack
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="supervisor", daemon=True)

    def __enter__(self) -> Supervisor:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            with contextlib.suppress(Exception):  # a failed start shows at the next turn
                self.stack.restart_stopped()


class Unavailable(Exception):
    """The scheduler did not answer usefully: the outcome of the call is unknown."""


Settle = Callable[[], Any]


class Api:
    """The SPST's client of the scheduler API, one HTTP session per thread."""

    def __init__(self, stack: FaultStack, timeout: float = 90) -> None:
        self.base = stack.urls["scheduler"]
        self.key = stack.api_key
        self.timeout = timeout
        self.lock = threading.Lock()
        self.local = threading.local()
        self.sessions: list[requests.Session] = []
        self.retries = 0

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.key}"
            self.local.session = session
            with self.lock:
                self.sessions.append(session)
        return session

    def _send(self, method: str, path: str, body: Any = None,
              params: dict[str, Any] | None = None) -> requests.Response:
        try:
            response = self._session().request(method, self.base + path, json=body,
                                               params=params, timeout=20)
        except requests.RequestException as exc:
            raise Unavailable(f"{method} {path} : {exc.__class__.__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise Unavailable(f"{method} {path} : {response.status_code}")
        return response

    def get(self, path: str, **params: Any) -> Any:
        """GET, retried until the scheduler answers."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                response = self._send("GET", path, params=params)
            except Unavailable:
                if time.monotonic() > deadline:
                    raise
                self.retries += 1
                time.sleep(0.3)
                continue
            assert response.status_code == 200, f"GET {path} : {response.status_code} " \
                                                 f"{response.text[:500]}"
            return response.json()

    def post(self, path: str, body: Any = None, *, settle: Settle | None = None,
             expect: tuple[int, ...] = (200, 201)) -> Any:
        """POST; after an unknown outcome, ``settle()`` tells whether it was applied.

        :param settle: returns the result when the change is there, None when it
            is not (the POST is then sent again). Without it the POST is taken
            as safe to repeat.
        :raises AssertionError: on a refusal that ``settle`` does not explain.
        """
        deadline = time.monotonic() + self.timeout
        unknown = False
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f"POST {path} : pas de réponse utile en {self.timeout} s")
            try:
                if unknown and settle is not None:
                    found = settle()
                    if found is not None:
                        return found
                unknown = False
                response = self._send("POST", path, body)
            except Unavailable:
                unknown = True
                self.retries += 1
                time.sleep(0.3)
                continue
            if response.status_code in expect:
                return response.json()
            if settle is not None:  # e.g. 409: an earlier attempt did it
                unknown = True
                try:
                    found = settle()
                except Unavailable:
                    continue
                if found is not None:
                    return found
            raise AssertionError(f"POST {path} : {response.status_code} {response.text[:800]}")

    def close(self) -> None:
        with self.lock:
            while self.sessions:
                self.sessions.pop().close()
