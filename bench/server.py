"""Start a service under gunicorn, the production server, and always stop it.

The server runs in its own process group (session) with the production
configuration (``deploy/gunicorn.conf.py``), generated secrets, a throw-away
SQLite file and the rate limit of the benchmarked endpoint raised so that the
limiter is exercised but never trips. Stopping sends SIGTERM to the whole group
(gunicorn's graceful shutdown), then SIGKILL if it lingers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO

import requests

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
BENCH_RATE_LIMIT = "1000000/minute"


@dataclass(frozen=True)
class WorkerModel:
    """How gunicorn serves: ``sync`` workers, or ``gthread`` with threads."""

    workers: int = 2
    worker_class: str = "sync"
    threads: int = 1

    def describe(self) -> str:
        text = f"{self.workers} {self.worker_class} workers"
        return text + (f" x {self.threads} threads" if self.worker_class == "gthread" else "")


@dataclass
class GunicornServer:
    """One gunicorn on 127.0.0.1, a free port, production settings.

    :param app: the WSGI factory, e.g. ``services.scheduler.app:create_app()``.
    :param env: extra environment variables (settings of the service).
    :param access_log: keep gunicorn's access log (to a file), as in production.
    """

    app: str
    model: WorkerModel = field(default_factory=WorkerModel)
    env: dict[str, str] = field(default_factory=dict)
    access_log: bool = True
    extra_args: tuple[str, ...] = ()
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn",
            "--config", str(GUNICORN_CONFIG),
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.model.workers),
            "--worker-class", self.model.worker_class,
            "--threads", str(self.model.threads),
            *self.extra_args,
            self.app,
        ]

    def describe(self) -> str:
        """What ran, for the results: ``gunicorn 2 sync workers (...)``."""
        config = GUNICORN_CONFIG
        shown = config.relative_to(ROOT) if config.is_relative_to(ROOT) else config
        notes = [str(shown), "access log to file" if self.access_log else "no access log"]
        if self.extra_args:
            notes.append(" ".join(self.extra_args))
        return f"gunicorn {self.model.describe()} ({', '.join(notes)})"

    def start(self, ready_path: str = "/healthz", timeout: float = 30.0) -> None:
        """Start gunicorn and wait until ``ready_path`` answers 200.

        :raises RuntimeError: when the server exits or never answers; the
            message carries the end of its log.
        """
        self._tmp = tempfile.TemporaryDirectory(prefix="relais-bench-")
        tmp = Path(self._tmp.name)
        self.port = free_port()
        env = {
            **os.environ,
            "RELAIS_ENV": "production",
            "RELAIS_SERVICE_TOKEN": secrets.token_urlsafe(24),
            "RELAIS_SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "RELAIS_DATA_DIR": str(tmp),
            "RELAIS_LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": str(tmp / "access.log") if self.access_log else "",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        self._log = (tmp / "server.log").open("wb")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"gunicorn exited ({code}):\n{self.log_tail()}")
            try:
                if requests.get(self.base_url + ready_path, timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer {ready_path} in {timeout:.0f} s:\n"
                           f"{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the master and its workers so far.

        Workers that exited (``max_requests`` recycles them) count through the
        master's reaped-children times.
        """
        if self.process is None:
            return 0.0
        master = self.process.pid
        return _cpu_seconds(master, reaped=True) + sum(
            _cpu_seconds(pid) for pid in _children(master))

    def log_tail(self, lines: int = 60) -> str:
        if self._tmp is None:
            return ""
        path = Path(self._tmp.name) / "server.log"
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the process group, wait, SIGKILL if needed; remove the files."""
        process, self.process = self.process, None
        try:
            if process is not None and process.poll() is None:
                _signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait(5)
            if process is not None:
                # Workers left behind by a crashed master share its group.
                _signal_group(process.pid, signal.SIGKILL)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    def __enter__(self) -> GunicornServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def free_port() -> int:
    """A port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # start_new_session: the group id is the master's pid


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int, reaped: bool = False) -> float:
    """utime + stime of ``pid`` (and, with ``reaped``, of its waited-for children)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # fields after the command name
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")
