"""Benchmark: a planner's ICS feed of 10,000 events, cold render and 304.

Two measurements of ``GET /feeds/{token}.ics``:

1. In process, with ``measure_feed`` of ``services/calendar/entrypoints/benchmark.py``
   (throw-away SQLite file, the Flask test client, ``RELAIS_ENV=test``, no rate
   limit): ``cold_ms`` (first render, nothing cached), ``warm_ms`` (same ETag,
   per-process cache) and the 304 of a conditional GET (p50 of 50). The test
   client runs the real route but no socket and no server.
2. Over HTTP, against gunicorn with the production configuration (the same
   SQLite file, ``RELAIS_ENV=production``, generated secrets,
   ``deploy/gunicorn.conf.py`` with its access log, the feed rate limit raised
   so that the limiter runs but never answers 429): one cold GET, then 50
   conditional GETs with the ETag, each on a new connection (sync workers
   close it), timed from connect to last byte. The 304 is answered by
   whichever of the two workers takes the request.

``render_10k_s`` is the in-process cold render (quick: of 2,000 events, see
``events``); ``not_modified_ms`` is the HTTP 304 through gunicorn (p50). Both
the in-process and the HTTP figures are checked against the targets.
"""

from __future__ import annotations

import http.client
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.server import BENCH_RATE_LIMIT, GunicornServer, WorkerModel

NAME = "feed"
APP = "services.calendar.app:create_app()"
EVENTS = {False: 10_000, True: 2_000}
REPEAT = 50
TARGET_RENDER_S = 1.0
TARGET_304_MS = 10.0


def _new_token(database_url: str) -> str:
    """A fresh feed token for the benchmark's planner (the previous one is revoked)."""
    from sqlalchemy import select

    from services.calendar.adapters.orm import Planner
    from services.calendar.adapters.repository import CalendarRepository
    from services.calendar.app import create_app
    from services.calendar.service_layer.feeds import issue_token
    from shared.web import database

    app = create_app({"RELAIS_ENV": "test", "DATABASE_URL": database_url,
                      "RATELIMIT_ENABLED": False})
    try:
        with database(app).session() as session:
            planner_id = session.scalars(select(Planner.id)).one()
            return issue_token(CalendarRepository(session), planner_id,
                               datetime.now(UTC).replace(microsecond=0))
    finally:
        database(app).dispose()


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], int, float]:
    """One GET on a new connection: status, headers, body size, milliseconds."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - began) * 1000
    return answer.status, {k.lower(): v for k, v in answer.getheaders()}, len(body), elapsed


def measure_http(database_url: str, repeat: int = REPEAT) -> dict[str, Any]:
    """Cold GET and conditional GETs of the feed through gunicorn (production config)."""
    from cryptography.fernet import Fernet

    token = _new_token(database_url)
    path = f"/feeds/{token}.ics"
    server = GunicornServer(APP, model=WorkerModel(workers=2, worker_class="sync"), env={
        "DATABASE_URL": database_url,
        "CALENDAR_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "RELAIS_FEED_RATE_LIMIT": BENCH_RATE_LIMIT,
        "RELAIS_CALENDAR_API_RATE_LIMIT": BENCH_RATE_LIMIT,
    })
    with server:
        status, headers, size, cold = _get(server.port, path, {})
        if status != 200 or "etag" not in headers:
            raise RuntimeError(f"feed over HTTP: {status}, headers {headers}\n"
                               f"{server.log_tail()}")
        etag = headers["etag"]
        timings = []
        for _ in range(repeat):
            status, _, _, elapsed = _get(server.port, path, {"If-None-Match": etag})
            if status != 304:
                raise RuntimeError(f"conditional GET answered {status}, not 304")
            timings.append(elapsed)
        # The other worker renders cold as well: time one more plain GET.
        second = [_get(server.port, path, {})[3] for _ in range(2)]
        described = server.describe()
    timings.sort()
    return {
        "server": described,
        "http_cold_ms": round(cold, 1),
        "http_get_ms": [round(x, 1) for x in second],
        "http_bytes": size,
        "not_modified_ms": round(statistics.median(timings), 2),
        "not_modified_p90_ms": round(timings[int(0.9 * (len(timings) - 1))], 2),
        "not_modified_max_ms": round(timings[-1], 2),
    }


def run(quick: bool) -> dict[str, Any]:
    """The feed measured in process, then over HTTP."""
    from services.calendar.entrypoints.benchmark import measure_feed

    logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration
    events = EVENTS[quick]
    with tempfile.TemporaryDirectory(prefix="relais-bench-feed-") as folder:
        url = f"sqlite:///{Path(folder) / 'calendar.db'}"
        local = measure_feed(events, REPEAT, database_url=url)
        http = measure_http(url)
    return {
        "endpoint": "GET /feeds/{token}.ics",
        "events": events,
        "render_10k_s": round(local["cold_ms"] / 1000, 3),
        "render_note": (f"cold render of {events:,} events in process (Flask test client)"
                        + (" -- quick mode: not the 10k feed" if quick else "")),
        "bytes": local["bytes"],
        "cold_ms": local["cold_ms"],
        "warm_ms": local["warm_ms"],
        "not_modified_test_client_ms": local["not_modified_ms"],
        **http,
        "not_modified_note": "p50 of 50 conditional GETs over HTTP through gunicorn "
                             "(new connection each, connect to last byte)",
        "database": "SQLite (throw-away file)",
        "repeat": REPEAT,
    }


def check(result: dict[str, Any]) -> list[str]:
    """The targets this result misses, in words (empty: all met)."""
    if result.get("failed"):
        return [f"feed: {result['failed']}"]
    missed = []
    events = result.get("events")
    for key, label in (("render_10k_s", "in process"), ("http_cold_ms", "over HTTP")):
        value = result.get(key)
        seconds = None if value is None else (value if key.endswith("_s") else value / 1000)
        if seconds is None or seconds > TARGET_RENDER_S:
            missed.append(f"feed: cold render of {events} events {label}: {seconds} s "
                          f"> {TARGET_RENDER_S:g} s")
    for key, label in (("not_modified_ms", "over HTTP"),
                       ("not_modified_test_client_ms", "test client")):
        value = result.get(key)
        if value is None or value > TARGET_304_MS:
            missed.append(f"feed: 304 {label} {value} ms > {TARGET_304_MS:g} ms")
    return missed
