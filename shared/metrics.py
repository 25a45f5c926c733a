"""Prometheus metrics shared by every Relais service.

Three kinds of metric:

* requests, counted and timed by :func:`install_metrics` per service, method,
  route template (``/api/v1/notifications/<id>``, never the raw path: links carry
  tokens) and status;
* sweeps, timed by :func:`sweep_timer` around each periodic job::

      with sweep_timer("due_actions") as sweep:
          sweep.items += process_due_actions()

* database gauges (queue depth, age of the oldest pending item, notifications by
  status), computed at scrape time by the collectors a service registers with
  :func:`register_collector`.

``GET /metrics`` serves the text exposition. Outside production it is open; in
production it asks for the service token (``Authorization: Bearer ...``) unless
``RELAIS_METRICS_PUBLIC=1`` says the endpoint is only reachable from a private
network.

Several processes (gunicorn workers, a service's worker) share their counters
when ``PROMETHEUS_MULTIPROC_DIR`` names a folder, one per service, emptied at
start, and set before the processes start: the scrape then adds up every
process's files.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import SQLColumnExpression, case, func, select
from sqlalchemy.orm import Session

from shared.auth import bearer_token
from shared.config import env_str
from shared.db import utcnow

# The ``*_created`` series double every family for no use here.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Latency buckets, in seconds: an API answers in milliseconds, a slow page in seconds.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Sweep buckets, in seconds: a sweep takes from a few milliseconds to minutes.
SWEEP_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)

REQUESTS = Counter(
    "relais_http_requests", "HTTP requests answered, by route template and status.",
    ["service", "method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "relais_http_request_duration_seconds", "Time to answer an HTTP request.",
    ["service", "method", "route"], buckets=REQUEST_BUCKETS,
)
SWEEP_SECONDS = Histogram(
    "relais_sweep_duration_seconds", "Duration of one run of a periodic sweep.",
    ["sweep", "outcome"], buckets=SWEEP_BUCKETS,
)
SWEEP_ITEMS = Counter(
    "relais_sweep_items", "Items a periodic sweep processed.", ["sweep"],
)

#: The route label of a request no route matched (404, 405 before routing).
UNMATCHED_ROUTE = "<unmatched>"

#: A scrape-time collector: reads the database, yields metric families.
DbCollector = Callable[[Session], Iterable[Metric]]


@dataclass
class Sweep:
    """What a sweep reports: add the number of items it processed to ``items``."""

    name: str
    items: int = 0


@contextmanager
def sweep_timer(name: str) -> Iterator[Sweep]:
    """Time one run of the sweep ``name`` and count the items it processed.

    The duration is recorded with ``outcome="ok"``, or ``"error"`` when the
    block raises (the exception goes on); items counted before the error count.
    """
    sweep = Sweep(name)
    started = time.perf_counter()
    outcome = "error"
    try:
        yield sweep
        outcome = "ok"
    finally:
        SWEEP_SECONDS.labels(name, outcome).observe(time.perf_counter() - started)
        if sweep.items:
            SWEEP_ITEMS.labels(name).inc(sweep.items)


def timed_job(name: str, job: Callable[..., int]) -> Callable[..., int]:
    """``job`` run under :func:`sweep_timer` ``name``; its result is the item count."""

    @wraps(job)
    def run(*args: Any, **kwargs: Any) -> int:
        with sweep_timer(name) as sweep:
            done = job(*args, **kwargs)
            sweep.items += done
        return done

    return run


def register_collector(app: Flask, collector: DbCollector) -> None:
    """Add a collector that reads ``app``'s database at each scrape.

    Each collector gets a session of its own and should run one query per
    metric family it yields; one that fails is logged and skipped, so a broken
    table never hides the other metrics.
    """
    app.extensions.setdefault("relais_metrics_collectors", []).append(collector)


def gauge(name: str, documentation: str, labels: Iterable[str] = ()) -> GaugeMetricFamily:
    """A gauge family to fill in a scrape-time collector."""
    return GaugeMetricFamily(name, documentation, labels=list(labels))


def age_seconds(oldest: datetime | None, now: datetime) -> float:
    """Seconds since ``oldest`` (0 when there is nothing pending, or not yet)."""
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:  # stored in UTC by construction
        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (now - oldest).total_seconds())


@dataclass(frozen=True)
class Queue:
    """A table worked as a queue: unfinished rows, due from ``next_attempt_at``.

    :param name: the ``queue`` label; with ``split``, ``name_<value>`` per value.
    :param status: the status column; ``pending`` its values of unfinished rows
        (waiting, or claimed and being worked on).
    :param next_attempt_at: when a row is due (for a claimed row, its lease end).
    :param since: what a row's age counts from (its creation, or the time it
        could first be processed).
    :param split: a column splitting the table into several queues, and
        ``split_values`` the values always reported (0 when no row has them).
    """

    name: str
    status: SQLColumnExpression[str]
    pending: tuple[str, ...]
    next_attempt_at: SQLColumnExpression[datetime]
    since: SQLColumnExpression[datetime]
    split: SQLColumnExpression[str] | None = None
    split_values: tuple[str, ...] = ()


QUEUE_DEPTH = "relais_queue_depth"
QUEUE_OLDEST_AGE = "relais_queue_oldest_age_seconds"


def queue_families(session: Session, queues: Iterable[Queue],
                   now: datetime | None = None) -> list[Metric]:
    """Depth (``state`` pending, due) and oldest age of each queue: one query each.

    ``relais_queue_depth{state="pending"}`` counts the unfinished rows,
    ``{state="due"}`` those whose ``next_attempt_at`` has passed (waiting for
    a worker: it should stay near 0), and ``relais_queue_oldest_age_seconds``
    is the age of the oldest unfinished row.
    """
    now = now or utcnow()
    depth = gauge(QUEUE_DEPTH, "Unfinished rows of a queue; due: those a worker should take now.",
                  ["queue", "state"])
    oldest = gauge(QUEUE_OLDEST_AGE, "Age of the oldest unfinished row of a queue.", ["queue"])
    for queue in queues:
        columns: list[Any] = [
            func.count(),
            func.coalesce(func.sum(case((queue.next_attempt_at <= now, 1), else_=0)), 0),
            func.min(queue.since),
        ]
        query = select(*columns).where(queue.status.in_(queue.pending))
        rows: dict[str, tuple[int, int, datetime | None]] = {}
        if queue.split is None:
            count, due, first = session.execute(query).one()
            rows[queue.name] = (count, due, first)
        else:
            split_query = query.add_columns(queue.split).group_by(queue.split)
            rows = {f"{queue.name}_{value}": (0, 0, None) for value in queue.split_values}
            for count, due, first, value in session.execute(split_query):
                rows[f"{queue.name}_{value}"] = (count, due, first)
        for name, (count, due, first) in rows.items():
            depth.add_metric([name, "pending"], count)
            depth.add_metric([name, "due"], due)
            oldest.add_metric([name], age_seconds(first, now))
    return [depth, oldest]


def count_by_status(session: Session, name: str, documentation: str,
                    status: SQLColumnExpression[str], statuses: Iterable[str]) -> Metric:
    """A gauge of rows per status (every known status, 0 included): one GROUP BY."""
    counts = {value: 0 for value in statuses}
    for value, count in session.execute(select(status, func.count()).group_by(status)):
        counts[value] = count
    family = gauge(name, documentation, ["status"])
    for value, count in counts.items():
        family.add_metric([value], count)
    return family


class _DatabaseCollector(Collector):
    """Runs an app's registered collectors, each in its own short session."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterable[Metric]:
        from shared.web import database

        for collector in self.app.extensions.get("relais_metrics_collectors", []):
            try:
                with database(self.app).session() as session:
                    families = list(collector(session))
            except Exception:  # a broken collector must not hide the others
                self.app.logger.exception("metrics collector %s failed",
                                          getattr(collector, "__name__", collector))
                continue
            yield from families


class _Forward(Collector):
    """Another registry's metrics, so that one scrape encodes them all at once."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()


def _process_registry() -> CollectorRegistry:
    """The request and sweep metrics: this process's, or all processes' in multiprocess mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def metrics_public() -> bool:
    """True when ``RELAIS_METRICS_PUBLIC=1`` opens ``/metrics`` in production."""
    configured = current_app.config.get("METRICS_PUBLIC")
    if configured is not None:
        return bool(configured)
    return env_str("RELAIS_METRICS_PUBLIC", "0") == "1"


def _authorized() -> bool:
    if current_app.config.get("RELAIS_ENV") != "production" or metrics_public():
        return True
    token = bearer_token()
    expected = current_app.config.get("SERVICE_TOKEN") or ""
    return token is not None and bool(expected) and hmac.compare_digest(
        token.encode(), expected.encode())


def metrics_view() -> Response:
    """``GET /metrics``: the Prometheus text exposition."""
    if not _authorized():
        response = Response("jeton de service manquant ou invalide\n", status=401,
                            mimetype="text/plain")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    scrape = CollectorRegistry(auto_describe=False)
    scrape.register(_Forward(_process_registry()))
    scrape.register(_DatabaseCollector(current_app._get_current_object()))  # type: ignore[attr-defined]
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = Response(encode(scrape), status=200)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_timer() -> None:
    g.relais_request_started = time.perf_counter()


def _record_request(response: Response) -> Response:
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED_ROUTE
    service = current_app.config.get("SERVICE_NAME", "")
    REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
    started: Any = g.get("relais_request_started")
    if started is not None:
        REQUEST_SECONDS.labels(service, request.method, route).observe(
            time.perf_counter() - started)
    return response


def install_metrics(app: Flask) -> None:
    """Count and time every request of ``app`` and serve ``GET /metrics``."""
    app.before_request(_start_timer)
    app.after_request(_record_request)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
