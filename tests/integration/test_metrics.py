"""``/metrics`` on every service: requests by route template, the notifier's and
the calendar's gauges read from the database, the cost of a scrape, its
protection in production, sweep timings, and gunicorn's multiprocess mode.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from shared.config import DEV_SERVICE_TOKEN
from shared.db import utcnow
from shared.metrics import REGISTRY, sweep_timer
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture

SERVICES = ["scheduler", "notifier", "calendar"]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(app: Flask, **headers: str) -> Samples:
    answer = app.test_client().get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.data
    assert answer.mimetype == "text/plain"
    return parse(answer.get_data(as_text=True))


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


def make_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory, service: str,
             backend: str, extra: dict[str, Any] | None = None) -> Iterator[Flask]:
    module = import_module(f"services.{service}.app")
    orm = import_module(f"services.{service}.adapters.orm")
    yield from make_app_fixture(request, database_factory, service, module.create_app,
                                module.MIGRATIONS, orm.metadata, backend, extra)


@pytest.fixture(params=SERVICES)
def service_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, request.param, db_backend)


@pytest.fixture
def notifier_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                 db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, "notifier", db_backend)


def test_requests_are_counted_by_route_template_never_by_raw_path(service_app: Flask) -> None:
    service = service_app.config["SERVICE_NAME"]
    secret = "tok" + uuid.uuid4().hex
    client = service_app.test_client()
    paths = {
        "scheduler": f"/e/{secret}",
        "notifier": f"/api/v1/notifications/{secret}",
        "calendar": f"/feeds/{secret}.ics",
    }
    client.get(paths[service])
    client.get(f"/nowhere/{secret}")
    client.get("/healthz")
    answer = client.get("/metrics")
    text = answer.get_data(as_text=True)
    assert secret not in text
    samples = parse(text)
    assert value(samples, "relais_http_requests_total", service=service, method="GET",
                 route="/healthz", status="200") is not None
    routes = {dict(labels)["route"] for (name, labels) in samples
              if name == "relais_http_requests_total" and dict(labels)["service"] == service}
    assert "<unmatched>" in routes
    assert any("<" in route and route != "<unmatched>" for route in routes), routes
    assert value(samples, "relais_http_request_duration_seconds_count", service=service,
                 method="GET", route="/healthz") is not None


def test_the_counter_counts_each_request(service_app: Flask) -> None:
    service = service_app.config["SERVICE_NAME"]
    labels = {"service": service, "method": "GET", "route": "/readyz", "status": "200"}
    before = value(scrape(service_app), "relais_http_requests_total", **labels) or 0.0
    for _ in range(3):
        service_app.test_client().get("/readyz")
    assert value(scrape(service_app), "relais_http_requests_total", **labels) == before + 3


def add_notification(session: Any, status: str, *, due_in: timedelta = timedelta(0),
                     age: timedelta = timedelta(0), not_before: Any = None) -> None:
    from services.notifier.adapters.orm import Notification

    now = utcnow()
    key = uuid.uuid4().hex
    session.add(Notification(
        id=str(uuid.uuid4()), idempotency_key=key, fingerprint="f" * 64, channel="sms",
        recipient="+33600000000", template="reminder", locale="fr", data={}, body="Bonjour",
        attachments=[], next_attempt_at=now + due_in, not_before=not_before, status=status,
        attempts=0, created_at=now - age, updated_at=now))


def add_outbox(session: Any, kind: str, status: str, *, age: timedelta = timedelta(0),
               due_in: timedelta = timedelta(0)) -> None:
    from services.notifier.adapters.orm import OutboxMessage

    now = utcnow()
    session.add(OutboxMessage(
        kind=kind, idempotency_key=uuid.uuid4().hex, url="http://127.0.0.1:9/x", payload={},
        status=status, attempts=0, next_attempt_at=now + due_in, created_at=now - age))


def test_notifier_gauges_reflect_the_rows(notifier_app: Flask) -> None:
    with database(notifier_app).session() as session:
        add_notification(session, "queued", age=timedelta(minutes=10))
        add_notification(session, "queued", due_in=timedelta(hours=1))
        add_notification(session, "queued", due_in=timedelta(days=2), age=timedelta(days=5),
                         not_before=utcnow() + timedelta(days=2))
        add_notification(session, "sent")
        add_notification(session, "delivered")
        add_notification(session, "delivered")
        add_outbox(session, "callback", "pending", age=timedelta(minutes=3))
        add_outbox(session, "callback", "pending", due_in=timedelta(minutes=5))
        add_outbox(session, "callback", "delivered", age=timedelta(days=1))
    samples = scrape(notifier_app)
    assert value(samples, "relais_notifications", status="queued") == 3
    assert value(samples, "relais_notifications", status="delivered") == 2
    assert value(samples, "relais_notifications", status="sent") == 1
    assert value(samples, "relais_notifications", status="failed") == 0
    assert value(samples, "relais_queue_depth", queue="notifications", state="pending") == 3
    assert value(samples, "relais_queue_depth", queue="notifications", state="due") == 1
    # The row held until the day after tomorrow is not late, however old it is.
    age = value(samples, "relais_queue_oldest_age_seconds", queue="notifications")
    assert age is not None and 590 <= age <= 900
    assert value(samples, "relais_queue_depth", queue="outbox_callback", state="pending") == 2
    assert value(samples, "relais_queue_depth", queue="outbox_callback", state="due") == 1
    age = value(samples, "relais_queue_oldest_age_seconds", queue="outbox_callback")
    assert age is not None and 170 <= age <= 480
    assert value(samples, "relais_queue_depth", queue="outbox_reply", state="pending") == 0
    assert value(samples, "relais_queue_oldest_age_seconds", queue="outbox_reply") == 0


QUEUES = {
    "calendar": ["invites", "caldav_push"],
    "scheduler": ["outbox_notify", "outbox_put_event", "outbox_cancel_event", "due_actions"],
}


@pytest.mark.parametrize("service", sorted(QUEUES))
def test_calendar_and_scheduler_report_their_queues(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, db_backend: str,
    service: str,
) -> None:
    app = next(make_app(request, database_factory, service, db_backend))
    samples = scrape(app)
    for queue in QUEUES[service]:
        assert value(samples, "relais_queue_depth", queue=queue, state="pending") == 0
        assert value(samples, "relais_queue_depth", queue=queue, state="due") == 0
        assert value(samples, "relais_queue_oldest_age_seconds", queue=queue) == 0
    database(app).dispose()


DB_FAMILIES = {"relais_notifications", "relais_queue_depth", "relais_queue_oldest_age_seconds"}


@pytest.mark.parametrize("service", SERVICES)
def test_a_scrape_costs_at_most_one_query_per_family(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, db_backend: str,
    service: str,
) -> None:
    app = next(make_app(request, database_factory, service, db_backend))
    try:
        statements: list[str] = []
        engine = database(app).engine

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        text = app.test_client().get("/metrics").get_data(as_text=True)
        event.remove(engine, "before_cursor_execute", count)
        families = {f.name for f in text_string_to_metric_families(text)} & DB_FAMILIES
        assert families
        assert len(statements) <= len(families), statements
    finally:
        from tests.conftest import clear_tables

        clear_tables(app, import_module(f"services.{service}.adapters.orm").metadata)
        database(app).dispose()


def test_a_failing_collector_hides_nothing_else(notifier_app: Flask) -> None:
    from shared.metrics import register_collector

    def broken(_session: Any) -> Any:
        raise RuntimeError("table absente")

    register_collector(notifier_app, broken)
    samples = scrape(notifier_app)
    assert value(samples, "relais_notifications", status="queued") == 0


@pytest.fixture
def production_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
                   db_backend: str) -> Iterator[Flask]:
    yield from make_app(request, database_factory, "scheduler", db_backend, {
        "RELAIS_ENV": "production", "SERVICE_TOKEN": "jeton-de-production",
        "SECRET_KEY": "clé-de-production"})


def test_production_asks_for_the_service_token(
    production_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RELAIS_METRICS_PUBLIC", raising=False)
    client = production_app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": f"Bearer {DEV_SERVICE_TOKEN}"})
    assert wrong.status_code == 401
    assert b"relais_" not in wrong.data
    scrape(production_app, Authorization="Bearer jeton-de-production")


def test_production_serves_metrics_openly_when_told_to(
    production_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RELAIS_METRICS_PUBLIC", "1")
    scrape(production_app)


def test_outside_production_metrics_are_open(service_app: Flask) -> None:
    scrape(service_app)


def test_sweep_timer_times_runs_and_counts_items() -> None:
    name = "test_" + uuid.uuid4().hex[:8]
    with sweep_timer(name) as sweep:
        sweep.items += 4
    with pytest.raises(RuntimeError), sweep_timer(name) as sweep:
        sweep.items += 1
        raise RuntimeError("panne")
    assert REGISTRY.get_sample_value("relais_sweep_items_total", {"sweep": name}) == 5
    for outcome in ("ok", "error"):
        assert REGISTRY.get_sample_value("relais_sweep_duration_seconds_count",
                                         {"sweep": name, "outcome": outcome}) == 1


MULTIPROCESS_SCRIPT = """
import os, sys
from shared.metrics import sweep_timer
from services.scheduler.app import create_app
app = create_app({"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": sys.argv[1]})
if sys.argv[2] == "work":
    with sweep_timer("due_actions") as sweep:
        sweep.items += 7
    app.test_client().get("/healthz")
else:
    sys.stdout.write(app.test_client().get("/metrics").get_data(as_text=True))
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    url = f"sqlite:///{tmp_path / 'scheduler.db'}"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, url, "work"], env=env,
                       check=True, timeout=60)
    scraped = subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, url, "scrape"],
                             env=env, check=True, timeout=60, capture_output=True, text=True)
    samples = parse(scraped.stdout)
    assert value(samples, "relais_sweep_items_total", sweep="due_actions") == 14
    assert value(samples, "relais_http_requests_total", service="scheduler", method="GET",
                 route="/healthz", status="200") == 2


def test_timed_job_counts_what_the_job_returns() -> None:
    from shared.metrics import timed_job

    name = "test_" + uuid.uuid4().hex[:8]
    job = timed_job(name, lambda stop=None: 3)
    assert job(stop=None) == 3
    assert job() == 3
    assert REGISTRY.get_sample_value("relais_sweep_items_total", {"sweep": name}) == 6
