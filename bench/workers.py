"""Compare gunicorn worker models on this machine: ``python -m bench.workers``.

Runs the evaluate load (or ``--path /healthz``, GET) against each model in
turn and prints a table; used to choose :data:`bench.evaluate.MODEL`. Nothing
is written to ``results.json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench import evaluate, machine
from bench.load import run_load
from bench.server import BENCH_RATE_LIMIT, GunicornServer, WorkerModel
from bench.situations import bodies

MODELS = [
    WorkerModel(1, "sync"),
    WorkerModel(2, "sync"),
    WorkerModel(3, "sync"),
    WorkerModel(4, "sync"),
    WorkerModel(2, "gthread", 2),
    WorkerModel(2, "gthread", 4),
    WorkerModel(4, "gthread", 2),
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__)
    parser.add_argument("--path", default=evaluate.PATH)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=evaluate.CONCURRENCY)
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--repeat", type=int, default=1, help="run every model this many times")
    args = parser.parse_args(argv)
    payloads = bodies() if args.path == evaluate.PATH else []
    method = "POST" if payloads else "GET"
    print(f"machine: {machine.summary(machine.describe())}")
    print(f"{method} {args.path}, {args.concurrency} connections, {args.duration:g} s each")
    print(f"{'model':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
          f"{'srv cpu':>8} {'cli cpu':>8} {'busy%':>6}")
    for model in [m for m in MODELS for _ in range(args.repeat)]:
        busy = machine.wait_until_quiet(10.0, max_wait_s=120)
        server = GunicornServer(evaluate.APP, model=model, access_log=not args.no_access_log,
                                env={"RELAIS_EVALUATE_RATE_LIMIT": BENCH_RATE_LIMIT})
        with server:
            url = server.base_url + args.path
            run_load(url, payloads, method=method, concurrency=args.concurrency,
                     duration_s=1, client=args.client)
            before = server.cpu_seconds()
            r = run_load(url, payloads, method=method, concurrency=args.concurrency,
                         duration_s=args.duration, client=args.client)
            cpu = server.cpu_seconds() - before
        print(f"{model.describe():<34} {r.rps:>8.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
              f"{r.errors:>7} {cpu:>8.2f} {r.client_cpu_s:>8.2f} {busy or 0:>6.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
