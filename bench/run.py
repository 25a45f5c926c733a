"""Run the benchmarks: ``python -m bench.run [--quick] [--only NAME ...] [--record]``.

Each benchmark is a module with a ``NAME``, ``run(quick) -> dict`` (its section
of ``bench/results.json``) and ``check(result) -> list[str]`` (the targets it
missed, in words). Register new ones in :data:`BENCHMARKS` and their headline
figures in :data:`bench.figures.FIGURES`. The run prints the machine and a
table of the headline figures (the ratios among them) next to the previous
ones kept in ``docs/benchmarks.md``, merges the sections it ran into
``bench/results.json`` (keeping the others) and exits 1 when a target is
missed or a benchmark fails. ``--record`` writes this run's figures into
``docs/benchmarks.md`` as the new previous ones.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any, Protocol

from bench import evaluate, feed, figures, machine, notifier, results, sweep


class Benchmark(Protocol):
    NAME: str

    def run(self, quick: bool) -> dict[str, Any]: ...

    def check(self, result: dict[str, Any]) -> list[str]: ...


BENCHMARKS: list[Benchmark] = [evaluate, feed, notifier, sweep]
BUSY_WARNING_PCT = 10.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short runs (bench-quick)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        choices=[b.NAME for b in BENCHMARKS], help="run only this benchmark")
    parser.add_argument("--record", action="store_true",
                        help="write this run's figures into docs/benchmarks.md")
    args = parser.parse_args(argv)

    described = machine.describe()
    print(f"machine: {machine.summary(described)}")
    print(f"mode: {'quick' if args.quick else 'full'}", flush=True)
    busy = machine.wait_until_quiet(BUSY_WARNING_PCT, max_wait_s=10 if args.quick else 60)
    described["cpu_busy_before_pct"] = busy
    described["load_average_before"] = machine.load_average()
    if busy is not None and busy > BUSY_WARNING_PCT:
        print(f"WARNING: the CPUs are already {busy:.0f}% busy with other work "
              f"(load average {described['load_average_before']}): figures will be low "
              "and noisy; rerun on a quiet machine.", flush=True)
    rows: dict[str, dict[str, Any]] = {}
    missed: list[str] = []
    for bench in BENCHMARKS:
        if args.only and bench.NAME not in args.only:
            continue
        print(f"running {bench.NAME} ...", flush=True)
        started = time.monotonic()
        try:
            result = bench.run(args.quick)
        except Exception as exc:  # one broken benchmark must not hide the others
            traceback.print_exc()
            result = {"failed": f"{type(exc).__name__}: {exc}"}
            missed.append(f"{bench.NAME}: failed: {exc}")
        else:
            missed += bench.check(result)
        result["quick"] = args.quick
        result["cpu_busy_before_pct"] = busy
        result["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        result["wall_s"] = round(time.monotonic() - started, 1)
        rows[bench.NAME] = result
        for key in ("rate_limit", "client", "server_cpu_s", "client_cpu_s", "other_cpu_s",
                    "render_10k_s", "http_cold_ms", "not_modified_ms", "database",
                    "concurrency", "dispatch_batch", "post_only_per_s", "dispatch_per_s",
                    "sms_per_s", "sink_plain_per_s", "sink_ratio", "sink_wrk_per_s",
                    "end_to_end_cpu_s", "lost", "duplicated", "employees", "open_arrets",
                    "due", "seconds", "scale_ratio", "full_sweep_s", "again_s",
                    "small_seconds"):
            if key in result:
                print(f"  {key}: {result[key]}")

    results.merge({**rows, "machine": described})
    mode = "quick" if args.quick else "full"
    print()
    print(f"machine: {machine.summary(described)}")
    print(figures.table(rows, figures.load_previous(), mode))
    print(f"\nresults merged into {results.RESULTS}")
    if args.record and figures.record(rows, mode, machine.summary(described)):
        print(f"figures recorded in {figures.DOC} (failed benchmarks left out)")
    if missed:
        print("\nTARGETS MISSED:")
        for line in missed:
            print(f"  - {line}")
        return 1
    print("\nall targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
