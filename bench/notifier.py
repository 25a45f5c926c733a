"""Benchmark: SMS throughput end to end, from ``POST /api/v1/notifications`` to the provider.

Processes, each in its own process group, all on 127.0.0.1:

- the **sink**: ``services.notifier.adapters.fake_twilio`` (Twilio's Messages
  API, HTTP/1.1 keep-alive, stdlib threads) in its own process, wrapped by
  :class:`CountingSink` which logs every accepted message (time, ``To``) and
  answers ``GET /_bench/stats``: the benchmark counts what the provider got;
- the **notifier** under gunicorn with the production configuration
  (``RELAIS_ENV=production``, generated secrets, ``deploy/gunicorn.conf.py``
  with its access log, 2 sync workers), its API rate limit raised so that the
  limiter runs but never answers 429;
- the **worker** ``python -m services.notifier.entrypoints.worker`` (the
  dispatcher, woken by PostgreSQL ``NOTIFY`` when a notification is queued),
  same environment; e-mail has no SMTP server here, so
  ``RELAIS_NOTIFIER_BACKEND=console`` accepts its console backend;
- the database: a fresh PostgreSQL database on 127.0.0.1:5432 (user
  ``postgres``), created and migrated by the benchmark, dropped at the end;
  a throw-away SQLite file when no PostgreSQL answers (``database`` says which).

Both the web processes and the worker get ``TWILIO_ACCOUNT_SID``,
``TWILIO_AUTH_TOKEN``, ``TWILIO_FROM_NUMBER`` and ``TWILIO_API_BASE_URL`` (the
sink). Quiet hours are configured off through the settings
(``NOTIFIER_SMS_FROM=00:00``, ``NOTIFIER_SMS_UNTIL=23:59:59.999999``, no quiet
Sundays or holidays); no clock is faked.

Phases (N = 2,000; quick: 500; each message has its own recipient number):

1. *dispatch only*: the worker is stopped; N messages are posted (the API's
   own rate is ``post_only_per_s``), then the worker starts:
   ``dispatch_per_s`` = N / (last ``sent_at`` - first message accepted by the
   sink), the worker's start-up excluded.
2. *end to end*: the worker runs; N messages are posted by ``POSTERS``
   threads: ``sms_per_s`` = N / (last ``sent_at`` - first POST), i.e. until
   every message is recorded ``sent`` (provider-accepted) in the database.
3. *plain client*: ``requests.Session`` threads, as many as the dispatcher's
   concurrency (keep-alive, the usual Python client), post Twilio-shaped form
   bodies straight to the sink for as long as phase 2 lasted:
   ``sink_plain_per_s``; ``sink_ratio`` = ``sms_per_s`` / ``sink_plain_per_s``
   (the target). For information, the same with the Twilio adapter's own
   transport (``services.notifier.adapters.keepalive``, ``http.client``
   keep-alive, about a fifth of the CPU of ``requests`` per request):
   ``sink_keepalive_per_s`` and ``sink_keepalive_ratio``; and the sink's
   capacity with ``wrk`` (C client), ``sink_wrk_per_s``, when wrk is installed.

After each phase every message must be ``sent`` in the database and accepted
exactly once by the sink: a loss, a duplicate or an unexpected request fails
the benchmark.

Dispatcher settings: ``NOTIFIER_DISPATCH_CONCURRENCY`` (default here
``CONCURRENCY``), ``NOTIFIER_DISPATCH_BATCH``, ``NOTIFIER_DISPATCH_INTERVAL``;
set them in the environment of ``bench.run`` or use
``python -m bench.notifier run --concurrency 16 --batch 64 [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from bench import machine
from bench.server import (
    BENCH_RATE_LIMIT,
    ROOT,
    GunicornServer,
    WorkerModel,
    _cpu_seconds,
    free_port,
)
from services.notifier.adapters.fake_twilio import FakeTwilio, Scripted

NAME = "notifier"
APP = "services.notifier.app:create_app()"
MESSAGES = {False: 2000, True: 500}
CONCURRENCY = 8  # the production default (settings.py)
BATCH = 32
POSTERS = 4  # concurrent API clients
WORKERS = 2  # gunicorn sync workers: deploy/gunicorn.conf.py's default
TARGET_SMS_PER_S = 200.0
TARGET_SINK_RATIO = 0.5
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ACCOUNT_SID = "AC" + "b" * 32
FROM_NUMBER = "+33757000000"
PLAIN_TO = "+33699999999"  # the plain client's recipient: counted apart
TEMPLATE = "liaison_reminder"
STATS_PATH = "/_bench/stats"
WAIT_S = {False: 180.0, True: 90.0}


# -- the sink -----------------------------------------------------------------


class CountingSink(FakeTwilio):
    """The fake Twilio, counting what it accepts; ``GET /_bench/stats?since=K``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.accepted_log: list[tuple[float, str]] = []
        self.plain = 0
        super().__init__(host, port, record=False)

    def _answer(self, path: str, form: dict[str, str]) -> Scripted:
        answer = super()._answer(path, form)
        if answer.status == 201:
            to = form.get("To", "")
            with self._lock:
                if to == PLAIN_TO:
                    self.plain += 1
                else:
                    self.accepted_log.append((time.time(), to))
        return answer

    def stats(self, since: int) -> dict[str, Any]:
        with self._lock:
            return {"accepted": self.accepted, "plain": self.plain,
                    "logged": len(self.accepted_log), "log": self.accepted_log[since:]}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler_class()
        sink = self

        class Handler(base):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != STATS_PATH:
                    self.send_error(404)
                    return
                since = int(parse_qs(parts.query).get("since", ["0"])[0])
                payload = json.dumps(sink.stats(since)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


def serve_sink(port: int) -> None:
    """Run the counting sink in the foreground until SIGTERM."""
    sink = CountingSink("127.0.0.1", port)
    print(f"sink listening on {sink.url}", flush=True)
    try:
        sink._server.serve_forever()
    finally:
        sink._server.server_close()


# -- processes ------------------------------------------------------------------


@dataclass
class Process:
    """A child in its own process group, logging to a file; always stopped."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cpu_seconds(self) -> float:
        return 0.0 if self.process is None else _cpu_seconds(self.process.pid)

    def stop(self, timeout: float = 15.0) -> None:
        process, self.process = self.process, None
        try:
            if process is not None and process.poll() is None:
                _killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    _killpg(process.pid, signal.SIGKILL)
                    process.wait(5)
            if process is not None:
                _killpg(process.pid, signal.SIGKILL)
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _killpg(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _wait_http(url: str, timeout: float = 20.0, process: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_tail()}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


# -- database -------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(folder: Path) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL database (dropped afterwards), else a SQLite file.

    :returns: the URL and a description.
    """
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:  # no server, no driver: SQLite is the fallback
        print(f"  PostgreSQL unavailable ({type(exc).__name__}: {exc}): SQLite", flush=True)
        yield f"sqlite:///{folder / 'notifier.db'}", "SQLite (throw-away file; no PostgreSQL)"
        return
    name = f"relais_bench_{secrets.token_hex(4)}"
    try:
        version = admin.execute("SHOW server_version").fetchone()
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield (f"postgresql://postgres@127.0.0.1:5432/{name}",
                   f"PostgreSQL {version[0] if version else '?'} on 127.0.0.1 "
                   f"(fresh database, dropped after the run)")
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


class Progress:
    """Reads the notifications of one phase from the database."""

    def __init__(self, url: str) -> None:
        from shared.db import make_engine, normalize_url

        self.engine = make_engine(normalize_url(url))

    def phase(self, prefix: str) -> tuple[int, int, datetime | None, int]:
        """(sent, total, last sent_at, distinct provider ids) of recipients ``prefix*``."""
        from sqlalchemy import case, func, select

        from services.notifier.adapters.orm import Notification

        query = select(
            func.sum(case((Notification.status == "sent", 1), else_=0)),
            func.count(), func.max(Notification.sent_at),
            func.count(func.distinct(Notification.provider_id)),
        ).where(Notification.recipient.like(prefix + "%"))
        with self.engine.connect() as connection:
            sent, total, last, providers = connection.execute(query).one()
        return int(sent or 0), int(total), last, int(providers)

    def statuses(self, prefix: str) -> dict[str, int]:
        from sqlalchemy import func, select

        from services.notifier.adapters.orm import Notification

        query = (select(Notification.status, func.count())
                 .where(Notification.recipient.like(prefix + "%"))
                 .group_by(Notification.status))
        with self.engine.connect() as connection:
            return {str(status): int(count) for status, count in connection.execute(query)}

    def backend_cpu(self) -> dict[int, float]:
        """CPU seconds so far of each PostgreSQL backend serving this database
        (this reader's own excluded); empty on SQLite."""
        if self.engine.dialect.name != "postgresql":
            return {}
        from sqlalchemy import text

        with self.engine.connect() as connection:
            pids = connection.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars().all()
        return {int(pid): _cpu_seconds(int(pid)) for pid in pids}

    def close(self) -> None:
        self.engine.dispose()


# -- clients --------------------------------------------------------------------


def numbers(prefix: str, count: int) -> list[str]:
    """``count`` distinct valid French mobile numbers starting with ``prefix``."""
    return [f"{prefix}{i:06d}" for i in range(count)]


def post_all(port: int, token: str, recipients: list[str], tag: str,
             posters: int | None = None) -> tuple[float, float, list[str]]:
    """POST one SMS per recipient from ``posters`` threads.

    :returns: (start, end) as ``time.time()`` and the failures.
    """
    from services.notifier.domain.kinds import EXAMPLES

    data = EXAMPLES[TEMPLATE]
    bodies = [json.dumps({"channel": "sms", "to": to, "template": TEMPLATE, "data": data,
                          "idempotency_key": f"bench-{tag}-{i:06d}"}).encode()
              for i, to in enumerate(recipients)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    failures: list[str] = []
    lock = threading.Lock()
    cursor = iter(range(len(bodies)))

    def worker() -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("POST", "/api/v1/notifications", body=bodies[index],
                                   headers=headers)
                answer = connection.getresponse()
                text = answer.read()
                if answer.status != 202:
                    with lock:
                        failures.append(f"{answer.status} {text[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
            finally:
                connection.close()

    started = time.time()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(posters or POSTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return started, time.time(), failures


def plain_client(sink_url: str, concurrency: int, duration_s: float,
                 stack: str = "requests") -> dict[str, Any]:
    """Threads posting Twilio-shaped forms straight to the sink, as fast as they can.

    :param stack: ``requests`` (a ``requests.Session`` per thread: the plain
        client of the target) or ``keepalive`` (one shared
        :class:`~services.notifier.adapters.keepalive.KeepAlivePool`, the
        Twilio adapter's own transport, without Twilio's client on top).
    """
    from services.notifier.adapters.keepalive import (
        KeepAlivePool,
        TransportError,
        basic_authorization,
    )

    url = f"{sink_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    form = {"To": PLAIN_TO, "From": FROM_NUMBER,
            "Body": "Bonjour Marie-Hélène, rappel : votre rendez-vous de liaison a lieu demain.",
            "StatusCallback": "http://127.0.0.1:8002/webhooks/twilio/status"}
    counts = [0] * concurrency
    errors = [0] * concurrency
    stop_at = time.monotonic() + duration_s
    pool = KeepAlivePool(connect_timeout=5, read_timeout=10, pool_size=concurrency)
    headers = {"Authorization": basic_authorization(ACCOUNT_SID, "token"),
               "Content-Type": "application/x-www-form-urlencoded"}

    def with_requests(index: int) -> None:
        with requests.Session() as session:
            while time.monotonic() < stop_at:
                try:
                    answer = session.post(url, data=form, auth=(ACCOUNT_SID, "token"),
                                          timeout=(5, 10))
                    if answer.status_code == 201:
                        counts[index] += 1
                    else:
                        errors[index] += 1
                except requests.RequestException:
                    errors[index] += 1

    def with_keepalive(index: int) -> None:
        while time.monotonic() < stop_at:
            try:
                answer = pool.request("POST", url, urlencode(form).encode(), headers)
                json.loads(answer.body)
                if answer.status == 201:
                    counts[index] += 1
                else:
                    errors[index] += 1
            except TransportError:
                errors[index] += 1

    worker = with_requests if stack == "requests" else with_keepalive

    cpu_before = time.process_time()
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True)
               for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration_s + 30)
    seconds = time.monotonic() - started
    pool.close()
    return {"requests": sum(counts), "errors": sum(errors), "seconds": round(seconds, 2),
            "per_s": round(sum(counts) / seconds, 1),
            "client_cpu_s": round(time.process_time() - cpu_before, 2)}


def wrk_sink(sink_url: str, concurrency: int, duration_s: float) -> dict[str, Any] | None:
    """The sink's own capacity with wrk (C, one thread), when wrk is installed."""
    from bench.load import ensure_wrk

    wrk = ensure_wrk()
    if wrk is None:
        return None
    body = urlencode({"To": PLAIN_TO, "From": FROM_NUMBER, "Body": "Bonjour, rappel."})
    import base64

    auth = base64.b64encode(f"{ACCOUNT_SID}:token".encode()).decode()
    script = (f'wrk.method = "POST"\nwrk.body = "{body}"\n'
              'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
              f'wrk.headers["Authorization"] = "Basic {auth}"\n')
    with tempfile.TemporaryDirectory(prefix="relais-wrk-") as folder:
        path = Path(folder) / "sink.lua"
        path.write_text(script, encoding="utf-8")
        done = subprocess.run(
            [wrk, "--threads", "1", "--connections", str(concurrency), "--duration",
             f"{max(1, round(duration_s))}s", "--script", str(path),
             f"{sink_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"],
            capture_output=True, text=True, timeout=duration_s + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("Requests/sec:"):
            return {"per_s": float(line.split()[1]), "connections": concurrency}
    return None


# -- the benchmark ----------------------------------------------------------------


def _sink_log(sink_url: str, since: int) -> list[tuple[float, str]]:
    answer = requests.get(f"{sink_url}{STATS_PATH}?since={since}", timeout=10)
    answer.raise_for_status()
    return [(float(t), str(to)) for t, to in answer.json()["log"]]


def _sink_stats(sink_url: str) -> dict[str, Any]:
    answer = requests.get(f"{sink_url}{STATS_PATH}?since=1000000000", timeout=10)
    answer.raise_for_status()
    stats: dict[str, Any] = answer.json()
    return stats


def _wait_sent(progress: Progress, prefix: str, count: int, timeout: float,
               worker: Process, sink_url: str, sink_target: int) -> tuple[datetime | None, int]:
    """Wait until ``count`` messages of the phase are ``sent``; (last sent_at, providers).

    The sink is watched first (its counter is cheap to read) until it has
    logged ``sink_target`` messages in all; only then is the database read
    (a scan of the phase's rows), so that the benchmark's own polling does not
    take CPU from what it measures.
    """
    deadline = time.monotonic() + timeout
    while _sink_stats(sink_url)["logged"] < sink_target:
        if not worker.alive():
            raise RuntimeError(f"the worker exited:\n{worker.log_tail()}")
        if time.monotonic() > deadline:
            break  # the database says what is missing, below
        time.sleep(0.05)
    while True:
        sent, _total, last, providers = progress.phase(prefix)
        if sent >= count:
            return last, providers
        if not worker.alive():
            raise RuntimeError(f"the worker exited:\n{worker.log_tail()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{sent} of {count} sent after {timeout:.0f} s: "
                               f"{progress.statuses(prefix)}\n{worker.log_tail()}")
        time.sleep(0.05)


def _verify(log: list[tuple[float, str]], expected: list[str]) -> dict[str, Any]:
    """What the sink got against what was posted: lost, duplicated, unexpected."""
    counts = Counter(to for _, to in log)
    wanted = set(expected)
    return {
        "lost": sum(1 for to in expected if counts[to] == 0),
        "duplicated": sum(n - 1 for to, n in counts.items() if to in wanted and n > 1),
        "unexpected": sum(n for to, n in counts.items() if to not in wanted),
    }


def _settings(concurrency: int | None, batch: int | None) -> tuple[int, int, float]:
    """Explicit arguments, else the dispatcher's variables, else the defaults here."""
    if concurrency is None:
        concurrency = int(os.environ.get("NOTIFIER_DISPATCH_CONCURRENCY") or CONCURRENCY)
    if batch is None:
        batch = int(os.environ.get("NOTIFIER_DISPATCH_BATCH") or BATCH)
    interval = float(os.environ.get("NOTIFIER_DISPATCH_INTERVAL") or 1.0)
    return concurrency, batch, interval


def run(quick: bool, concurrency: int | None = None, batch: int | None = None
        ) -> dict[str, Any]:
    """Start sink, database, notifier and worker; run the three phases."""
    concurrency, batch, interval = _settings(concurrency, batch)
    count = MESSAGES[quick]
    print(f"  dispatcher: concurrency {concurrency}, batch {batch}, interval {interval:g} s; "
          f"{count} SMS per phase", flush=True)
    result: dict[str, Any] = {
        "endpoint": "POST /api/v1/notifications -> Twilio Messages API (local sink)",
        "messages": count, "concurrency": concurrency, "dispatch_batch": batch,
        "dispatch_interval_s": interval, "posters": POSTERS, "gunicorn_workers": WORKERS,
    }
    with tempfile.TemporaryDirectory(prefix="relais-bench-notifier-") as folder:
        tmp = Path(folder)
        with bench_database(tmp) as (url, described):
            result["database"] = described
            _run_phases(result, url, tmp, quick, count, concurrency, batch, interval)
    return result


def _run_phases(result: dict[str, Any], url: str, tmp: Path, quick: bool, count: int,
                concurrency: int, batch: int, interval: float) -> None:
    from services.notifier.app import MIGRATIONS
    from shared import migrations

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration
    migrations.upgrade(MIGRATIONS, url)
    sink_port = free_port()
    sink_url = f"http://127.0.0.1:{sink_port}"
    token = secrets.token_urlsafe(24)
    settings = {
        "RELAIS_ENV": "production",
        "RELAIS_SERVICE_TOKEN": token,
        "RELAIS_SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": url,
        "RELAIS_DATA_DIR": str(tmp),
        "RELAIS_LOG_LEVEL": "WARNING",
        "RELAIS_NOTIFIER_RATE_LIMIT": BENCH_RATE_LIMIT,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE_URL": sink_url,
        # E-mail has no SMTP server here: its console backend, accepted explicitly.
        "RELAIS_NOTIFIER_BACKEND": "console",
        # Quiet hours off, through the settings (no clock is faked).
        "NOTIFIER_SMS_FROM": "00:00",
        "NOTIFIER_SMS_UNTIL": "23:59:59.999999",
        "NOTIFIER_QUIET_SUNDAYS": "0",
        "NOTIFIER_QUIET_HOLIDAYS": "0",
        "NOTIFIER_DISPATCH_CONCURRENCY": str(concurrency),
        "NOTIFIER_DISPATCH_BATCH": str(batch),
        "NOTIFIER_DISPATCH_INTERVAL": str(interval),
        "PYTHONUNBUFFERED": "1",
    }
    env = {**os.environ, **settings}
    result["environment"] = ("RELAIS_ENV=production, RELAIS_LOG_LEVEL=WARNING, "
                             "quiet hours off (NOTIFIER_SMS_FROM=00:00, "
                             "NOTIFIER_SMS_UNTIL=23:59:59.999999, no quiet Sundays/holidays), "
                             f"RELAIS_NOTIFIER_RATE_LIMIT={BENCH_RATE_LIMIT}")
    sink = Process("sink", [sys.executable, "-m", "bench.notifier", "sink", "--port",
                            str(sink_port)], env, tmp / "sink.log")
    worker = Process("worker", [sys.executable, "-m", "services.notifier.entrypoints.worker"],
                     env, tmp / "worker.log")
    server = GunicornServer(APP, model=WorkerModel(workers=WORKERS, worker_class="sync"),
                            env=settings)
    progress = Progress(url)
    try:
        sink.start()
        _wait_http(f"{sink_url}{STATS_PATH}", process=sink)
        server.start()
        result["server"] = server.describe()
        timeout = WAIT_S[quick]
        run_id = uuid.uuid4().hex[:8]

        # Phase 1: dispatch only (the worker starts once the queue is full).
        first = numbers("+33610", count)
        began, ended, failures = post_all(server.port, token, first, f"{run_id}-d")
        if failures:
            raise RuntimeError(f"{len(failures)} POSTs failed; first: {failures[0]}")
        result["post_only_per_s"] = round(count / (ended - began), 1)
        since = 0
        cpu = _Cpu(server, worker, sink, progress)
        worker.start()
        last, providers = _wait_sent(progress, "+33610", count, timeout, worker, sink_url,
                                     count)
        log = _sink_log(sink_url, since)
        since += len(log)
        check1 = _verify(log, first)
        if last is None or not log:
            raise RuntimeError("phase 1: no sent_at or nothing at the sink")
        dispatch_s = last.timestamp() - min(t for t, _ in log)
        result["dispatch_per_s"] = round(count / dispatch_s, 1)
        result["dispatch_s"] = round(dispatch_s, 2)
        result["dispatch_cpu_s"] = cpu.delta()

        # Phase 2: end to end, the worker running.
        second = numbers("+33620", count)
        time.sleep(1.5)  # the worker is idle, polling
        cpu = _Cpu(server, worker, sink, progress)
        began, ended, failures = post_all(server.port, token, second, f"{run_id}-e")
        if failures:
            raise RuntimeError(f"{len(failures)} POSTs failed; first: {failures[0]}")
        last, providers2 = _wait_sent(progress, "+33620", count, timeout, worker, sink_url,
                                      2 * count)
        log2 = _sink_log(sink_url, since)
        check2 = _verify(log2, second)
        if last is None or not log2:
            raise RuntimeError("phase 2: no sent_at or nothing at the sink")
        total_s = last.timestamp() - began
        result.update(
            sms_per_s=round(count / total_s, 1), end_to_end_s=round(total_s, 2),
            posting_s=round(ended - began, 2), post_per_s=round(count / (ended - began), 1),
            sink_last_accept_after_s=round(max(t for t, _ in log2) - began, 2),
            end_to_end_cpu_s=cpu.delta(),
        )
        # The machine-independent figure: CPU milliseconds per SMS, by process.
        used = {k: v for k, v in result["end_to_end_cpu_s"].items() if k != "other"}
        result["end_to_end_cpu_ms_per_sms"] = {
            **{k: round(v * 1000 / count, 2) for k, v in used.items()},
            "total": round(sum(used.values()) * 1000 / count, 2)}

        # Phase 3: the sink with a plain client, as long as phase 2 took.
        plain = plain_client(sink_url, concurrency, max(3.0, total_s))
        stats = _sink_stats(sink_url)
        wrk = wrk_sink(sink_url, concurrency, max(3.0, total_s))
        result.update(
            sink_plain_per_s=plain["per_s"],
            sink_plain=(f"requests.Session threads x {concurrency}, keep-alive, "
                        f"{plain['seconds']} s, {plain['requests']} accepted "
                        f"(sink counted {stats['plain']}), {plain['errors']} errors"),
            sink_ratio=round(result["sms_per_s"] / plain["per_s"], 2) if plain["per_s"] else 0,
            dispatch_sink_ratio=(round(result["dispatch_per_s"] / plain["per_s"], 2)
                                 if plain["per_s"] else 0),
        )
        # The same, through the adapter's own transport: what the dispatcher's
        # HTTP costs alone (informative; the target is against requests).
        bare = plain_client(sink_url, concurrency, max(3.0, total_s), stack="keepalive")
        result.update(
            sink_keepalive_per_s=bare["per_s"],
            sink_keepalive_ratio=(round(result["sms_per_s"] / bare["per_s"], 2)
                                  if bare["per_s"] else 0),
        )
        if wrk is not None:
            result["sink_wrk_per_s"] = wrk["per_s"]
            result["sink_wrk_ratio"] = round(result["sms_per_s"] / wrk["per_s"], 3)
        if plain["requests"] != stats["plain"]:
            result["plain_mismatch"] = f"client {plain['requests']} != sink {stats['plain']}"
        lost = check1["lost"] + check2["lost"]
        duplicated = check1["duplicated"] + check2["duplicated"]
        unexpected = check1["unexpected"] + check2["unexpected"]
        result.update(
            lost=lost, duplicated=duplicated, unexpected=unexpected,
            distinct_provider_ids=providers + providers2,
            sink_accepted=stats["accepted"] - stats["plain"],
            errors=lost + duplicated + unexpected,
        )
    finally:
        progress.close()
        worker.stop()
        server.stop()
        sink.stop()


class _Cpu:
    """CPU seconds used by the server, the worker, the sink and PostgreSQL since creation."""

    def __init__(self, server: GunicornServer, worker: Process, sink: Process,
                 progress: Progress) -> None:
        self.parts = {"gunicorn": server.cpu_seconds, "worker": worker.cpu_seconds,
                      "sink": sink.cpu_seconds}
        self.before = {name: read() for name, read in self.parts.items()}
        self.progress = progress
        self.backends = progress.backend_cpu()
        self.client = time.process_time()
        self.machine = machine.busy_cpu_seconds()

    def delta(self) -> dict[str, float]:
        """Per part. ``postgres``: the backends serving the benchmark's database
        (those alive at the end; a backend started during the phase counts
        from zero). ``other``: the rest of the machine (PostgreSQL's own
        background processes, kernel, other work)."""
        used = {name: round(read() - self.before[name], 2) for name, read in self.parts.items()}
        used["postgres"] = round(sum(
            seconds - self.backends.get(pid, 0.0)
            for pid, seconds in self.progress.backend_cpu().items()), 2)
        used["bench_client"] = round(time.process_time() - self.client, 2)
        total = machine.busy_cpu_seconds() - self.machine
        used["other"] = round(max(0.0, total - sum(used.values())), 2)
        return used


def check(result: dict[str, Any]) -> list[str]:
    """The targets this result misses, in words (empty: all met)."""
    if result.get("failed"):
        return [f"notifier: {result['failed']}"]
    missed = []
    for key in ("lost", "duplicated", "unexpected"):
        if result.get(key):
            missed.append(f"notifier: {result[key]} messages {key} at the sink")
    if result.get("sink_accepted") != 2 * int(result.get("messages") or 0):
        missed.append(f"notifier: the sink accepted {result.get('sink_accepted')} messages, "
                      f"expected {2 * int(result.get('messages') or 0)}")
    if (result.get("sms_per_s") or 0.0) < TARGET_SMS_PER_S:
        missed.append(f"notifier: {result.get('sms_per_s')} SMS/s end to end "
                      f"< {TARGET_SMS_PER_S:g}")
    if (result.get("sink_ratio") or 0.0) < TARGET_SINK_RATIO:
        missed.append(f"notifier: {result.get('sink_ratio')} of the sink's plain-client rate "
                      f"< {TARGET_SINK_RATIO:g}")
    return missed


def main(argv: list[str] | None = None) -> int:
    global WORKERS, POSTERS  # a one-off run from the command line sets them
    parser = argparse.ArgumentParser(prog="python -m bench.notifier")
    sub = parser.add_subparsers(dest="command", required=True)
    sink = sub.add_parser("sink", help="run the counting sink (used by the benchmark)")
    sink.add_argument("--port", type=int, required=True)
    once = sub.add_parser("run", help="run this benchmark alone, print the result")
    once.add_argument("--quick", action="store_true")
    once.add_argument("--concurrency", type=int, default=None,
                      help=f"dispatcher threads (default {CONCURRENCY})")
    once.add_argument("--batch", type=int, default=None,
                      help=f"rows claimed per batch (default {BATCH})")
    once.add_argument("--workers", type=int, default=WORKERS, help="gunicorn sync workers")
    once.add_argument("--posters", type=int, default=POSTERS, help="concurrent API clients")
    args = parser.parse_args(argv)
    if args.command == "sink":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        serve_sink(args.port)
        return 0
    WORKERS, POSTERS = args.workers, args.posters
    outcome = run(args.quick, args.concurrency, args.batch)
    print(json.dumps(outcome, indent=2, ensure_ascii=False, default=str))
    missed = check(outcome)
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
