"""Where the time of one request goes: ``python -m bench.hotspots [-n 2000]``.

Builds the scheduler in this process with the benchmark's production settings
and calls its WSGI application directly (no server, no sockets) under
cProfile, cycling through the benchmark's situations. Prints the functions
with the most cumulative and own time, and the mean time per request with and
without the profiler.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from werkzeug.test import EnvironBuilder

from bench import evaluate
from bench.server import BENCH_RATE_LIMIT
from bench.situations import bodies

StartResponse = Callable[..., Any]


def build_app(tmp: str, rate_limit: bool = True) -> Any:
    os.environ.update({
        "RELAIS_ENV": "production",
        "RELAIS_SERVICE_TOKEN": secrets.token_urlsafe(24),
        "RELAIS_SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "RELAIS_DATA_DIR": tmp,
        "RELAIS_LOG_LEVEL": "WARNING",
        "RELAIS_EVALUATE_RATE_LIMIT": BENCH_RATE_LIMIT,
    })
    from services.scheduler.app import create_app

    return create_app(None if rate_limit else {"RATELIMIT_ENABLED": False})


def calls(app: Any, path: str, payloads: list[str]) -> Callable[[int], list[int]]:
    """A function making ``n`` requests through ``app``; returns the statuses."""
    environs = []
    for body in payloads or [""]:
        builder = EnvironBuilder(path=path, method="POST" if body else "GET",
                                 data=body.encode() if body else None,
                                 content_type="application/json" if body else None,
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
        environs.append((builder.get_environ(), body.encode()))

    def many(n: int) -> list[int]:
        statuses: list[int] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            statuses.append(int(status.split()[0]))

        for i in range(n):
            environ, raw = environs[i % len(environs)]
            env = dict(environ)
            env["wsgi.input"] = io.BytesIO(raw)
            answer: Iterable[bytes] = app(env, start_response)
            for _chunk in answer:
                pass
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        return statuses

    return many


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="requests to profile")
    parser.add_argument("--path", default=evaluate.PATH)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--no-rate-limit", action="store_true",
                        help="disable the rate limiter (RATELIMIT_ENABLED=False) to see its cost")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="relais-profile-") as tmp:
        app = build_app(tmp, rate_limit=not args.no_rate_limit)
        many = calls(app, args.path, bodies() if args.path == evaluate.PATH else [])
        statuses = many(200)  # warm-up: imports, caches, first-request work
        bad = [s for s in statuses if s != 200]
        if bad:
            print(f"warning: {len(bad)} of {len(statuses)} answers not 200 (e.g. {bad[0]})")
        started = time.perf_counter()
        many(args.n)
        plain = (time.perf_counter() - started) / args.n
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(many, args.n)
        profiled = (time.perf_counter() - started) / args.n
    limiter = "off" if args.no_rate_limit else "on"
    print(f"{args.n} requests to {args.path} (rate limiter {limiter}): {plain * 1000:.3f} ms each "
          f"({1 / plain:.0f}/s on one core), {profiled * 1000:.3f} ms under cProfile\n")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
