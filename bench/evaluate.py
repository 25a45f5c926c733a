"""Benchmark: ``POST /api/v1/evaluate`` of the scheduler under concurrent load.

The scheduler runs under gunicorn with the production configuration
(``RELAIS_ENV=production``, generated secrets, a throw-away SQLite file,
``deploy/gunicorn.conf.py`` with its access log written to a file) and its
evaluate rate limit raised to ``1000000/minute`` so the limiter still runs
on every request but never answers 429. Every situation is first checked to
answer 200 with the contract's fields; then a warm-up, then the measured run
at a fixed concurrency and duration.

The deploy configuration is used as it is. Its worker recycling is off by
default because a recycle stalls requests for about a second (the new worker
imports the app); ``GUNICORN_MAX_REQUESTS=5000`` shows that stall (see
docs/benchmarks.md).
"""

from __future__ import annotations

import json
from typing import Any

import requests

from bench import machine
from bench.load import run_load
from bench.server import BENCH_RATE_LIMIT, GunicornServer, WorkerModel
from bench.situations import bodies

NAME = "evaluate"
APP = "services.scheduler.app:create_app()"
PATH = "/api/v1/evaluate"
# Two sync workers: the best of the models measured on 2 cores (docs/benchmarks.md).
MODEL = WorkerModel(workers=2, worker_class="sync")
CONCURRENCY = 16
DURATION_S = {False: 20.0, True: 5.0}
WARMUP_S = {False: 3.0, True: 1.0}
TARGET_RPS = 500.0
TARGET_P99_MS = 50.0
CONTRACT_FIELDS = ("current_absence", "liaison_meeting", "reprise_visit", "pre_reprise_visit",
                   "mid_career_visit", "inaptitude", "warnings")


def verify(base_url: str, payloads: list[str]) -> list[str]:
    """Send each body once; describe every answer that is not a 200 per the contract."""
    problems = []
    for index, body in enumerate(payloads):
        try:
            answer = requests.post(base_url + PATH, data=body.encode(), timeout=5,
                                   headers={"Content-Type": "application/json"})
        except requests.RequestException as exc:
            problems.append(f"situation {index}: {type(exc).__name__}: {exc}")
            continue
        if answer.status_code != 200:
            problems.append(f"situation {index}: HTTP {answer.status_code} {answer.text[:160]}")
            continue
        try:
            data = answer.json()
        except ValueError:
            problems.append(f"situation {index}: not JSON: {answer.text[:200]}")
            continue
        missing = [name for name in CONTRACT_FIELDS if name not in data]
        if missing:
            problems.append(f"situation {index}: missing {', '.join(missing)}")
    return problems


def run(quick: bool, model: WorkerModel = MODEL, concurrency: int = CONCURRENCY,
        access_log: bool = True, client: str = "auto") -> dict[str, Any]:
    """Start the scheduler, check the answers, load it; return the figures."""
    payloads = bodies()
    duration, warmup = DURATION_S[quick], WARMUP_S[quick]
    server = GunicornServer(APP, model=model, access_log=access_log,
                            env={"RELAIS_EVALUATE_RATE_LIMIT": BENCH_RATE_LIMIT})
    result: dict[str, Any] = {
        "endpoint": f"POST {PATH}",
        "server": server.describe(),
        "environment": "RELAIS_ENV=production, RELAIS_LOG_LEVEL=WARNING",
        "rate_limit": f"RELAIS_EVALUATE_RATE_LIMIT={BENCH_RATE_LIMIT} (raised for the benchmark)",
        "situations": len(payloads),
        "concurrency": concurrency,
        "duration_s": duration,
        "warmup_s": warmup,
    }
    with server:
        problems = verify(server.base_url, payloads)
        if problems:
            result.update(rps=None, p50_ms=None, p99_ms=None, errors=len(problems),
                          failed=f"{len(problems)} of {len(payloads)} situations not answered "
                          f"200 per the contract; first: {problems[0]}",
                          error_detail={"verify": problems})
            return result
        url = server.base_url + PATH
        run_load(url, payloads, concurrency=concurrency, duration_s=warmup, client=client)
        cpu_before, machine_before = server.cpu_seconds(), machine.busy_cpu_seconds()
        load = run_load(url, payloads, concurrency=concurrency, duration_s=duration,
                        client=client)
        server_cpu = server.cpu_seconds() - cpu_before
        machine_cpu = machine.busy_cpu_seconds() - machine_before
        if load.errors:
            print(f"server log (tail):\n{server.log_tail()}")
    result.update(
        rps=load.rps, p50_ms=load.p50_ms, p90_ms=load.p90_ms, p99_ms=load.p99_ms,
        max_ms=load.max_ms, errors=load.errors, error_detail=load.error_detail,
        requests=load.requests, duration_s=load.duration_s, client=load.client,
        server_cpu_s=round(server_cpu, 2), client_cpu_s=load.client_cpu_s,
        # CPU time neither the server nor the client used: other work on the
        # machine (and the kernel's share of loopback); large values mean noise.
        other_cpu_s=round(max(0.0, machine_cpu - server_cpu - load.client_cpu_s), 2),
    )
    return result


def check(result: dict[str, Any]) -> list[str]:
    """The targets this result misses, in words (empty: all met)."""
    if result.get("failed"):
        return [f"evaluate: {result['failed']}"]
    missed = []
    if result.get("errors"):
        detail = json.dumps(result.get("error_detail"), ensure_ascii=False)[:500]
        missed.append(f"evaluate: {result['errors']} errors ({detail})")
    if (result.get("rps") or 0.0) < TARGET_RPS:
        missed.append(f"evaluate: {result.get('rps')} requests/s < {TARGET_RPS:g}")
    p99 = result.get("p99_ms")
    if p99 is None or p99 > TARGET_P99_MS:
        missed.append(f"evaluate: p99 {p99} ms > {TARGET_P99_MS:g} ms")
    return missed
