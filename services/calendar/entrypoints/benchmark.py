"""Timing hook for ``make bench``: a planner's feed of 10,000 events, and its 304.

``measure_feed(events=10_000)`` builds a throwaway SQLite database (or uses
``database_url``), stores the events the way the API does (feed VEVENT rendered
once at write time), then times over HTTP-less Flask test requests:

- ``cold_ms``: first render (query + join of stored VEVENTs, nothing cached);
- ``warm_ms``: same ETag, served from the per-process cache;
- ``not_modified_ms``: a conditional GET answered 304 (p50 of ``repeat`` runs).

Targets: cold ≤ 1000 ms, 304 ≤ 10 ms (``check_feed``). Run it alone with
``python -m services.calendar.entrypoints.benchmark``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from services.calendar.adapters.orm import EventRow, Planner
from services.calendar.adapters.repository import write_event
from services.calendar.domain.model import Attendee, EventDetails, Person, create
from services.calendar.service_layer.events import render_feed_vevent
from services.calendar.service_layer.feeds import issue_token
from shared import migrations
from shared.web import database

TARGET_COLD_MS, TARGET_304_MS = 1000.0, 10.0


def _fill(app: Any, events: int, now: datetime) -> str:
    from services.calendar.adapters.repository import CalendarRepository

    with database(app).session() as session:
        planner = Planner(name="Banc d'essai", email="bench@spst.example.fr", created_at=now)
        session.add(planner)
        session.flush()
        start = now - timedelta(days=20)
        for i in range(events):
            begin = start + timedelta(minutes=45 * i)
            details = EventDetails(
                start=begin, end=begin + timedelta(minutes=30), summary=f"Visite n°{i}, reprise",
                organizer=Person("Dr Martin", "martin@spst.example.fr"),
                location="SPST Centre", planner_id=planner.id,
                attendees=(Attendee("Zoé Dupont", f"zoe{i}@example.fr"),))
            row = EventRow(created_at=now, updated_at=now)
            event = create(f"bench-{i}@relais", details).event
            write_event(row, event)
            render_feed_vevent(row, event)
            session.add(row)
        return issue_token(CalendarRepository(session), planner.id, now)


def measure_feed(events: int = 10_000, repeat: int = 50,
                 database_url: str | None = None) -> dict[str, Any]:
    """Time a feed of ``events`` events: cold render, cached render, and 304."""
    from services.calendar.app import MIGRATIONS, create_app

    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        migrations.upgrade(MIGRATIONS, url)
        now = datetime.now(UTC).replace(microsecond=0)
        app = create_app({"RELAIS_ENV": "test", "DATABASE_URL": url,
                          "RATELIMIT_ENABLED": False, "CALENDAR_CLOCK": lambda: now})
        token = _fill(app, events, now)
        client = app.test_client()
        path = f"/feeds/{token}.ics"
        began = time.perf_counter()
        first = client.get(path)
        cold = (time.perf_counter() - began) * 1000
        began = time.perf_counter()
        client.get(path)
        warm = (time.perf_counter() - began) * 1000
        etag = first.headers["ETag"]
        timings = []
        for _ in range(repeat):
            began = time.perf_counter()
            answer = client.get(path, headers={"If-None-Match": etag})
            timings.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 304
        database(app).dispose()
    return {"events": events, "bytes": len(first.data), "cold_ms": round(cold, 1),
            "warm_ms": round(warm, 2), "not_modified_ms": round(statistics.median(timings), 2)}


def check_feed(result: dict[str, Any]) -> list[str]:
    """The targets ``result`` missed, in words (empty: all met)."""
    missed = []
    if result["cold_ms"] > TARGET_COLD_MS:
        missed.append(f"flux de {result['events']} événements : {result['cold_ms']} ms "
                      f"(objectif ≤ {TARGET_COLD_MS:.0f} ms)")
    if result["not_modified_ms"] > TARGET_304_MS:
        missed.append(f"réponse 304 : {result['not_modified_ms']} ms "
                      f"(objectif ≤ {TARGET_304_MS:.0f} ms)")
    return missed


if __name__ == "__main__":
    outcome = measure_feed()
    print(outcome, check_feed(outcome) or "objectifs atteints")
