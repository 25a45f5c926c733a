"""Benchmark: the daily sweep on 1,000,000 employees, and on 100,000 with the same work due.

PostgreSQL only (127.0.0.1:5432, user ``postgres``; ``RELAIS_BENCH_POSTGRES_URL``
names another server's maintenance database). For each population:

1. **Seed**, once: a database ``relais_bench_sweep_<employees>_<open arrêts>``
   is created, migrated and filled by :mod:`bench.sweep_seed` (in the
   database, ``generate_series``), then ``VACUUM ANALYZE``. It is kept as a
   template: the next run with the same figures and the same migrations
   reuses it (its ``bench_seed`` table records both); ``python -m bench.sweep
   drop`` removes them.
2. **Copy**: ``relais_bench_sweep`` (and ``relais_bench_sweep_small``) are
   created from the templates (``STRATEGY FILE_COPY``) and dropped at the
   end, so that every run starts from the same state.
3. **Finding** (``seconds``): ``sweeps.find_daily_work``, the daily sweep's
   first phase (the indexed queries, the candidates' facts loaded in batches,
   the rules): once to warm up (``cold_s``), then seven rounds alternating the
   two populations; ``seconds`` is the median, ``runs_s`` all seven.
   The two queries alone are timed too (``on_leave_query_s``,
   ``mid_career_query_s``). What it finds must be exactly the seeded due work.
4. **Full sweep** (``full_sweep_s``): ``sweeps.run_daily`` once, opening every
   due item (procedures, outbox messages, due actions); its report must match
   the seeded work. Then once more (``again_s``): the hourly run of a day
   whose work is done; it must open nothing. Quick: on the large population
   only.

The large population (1,000,000 employees; quick: 100,000) and the small one
(100,000; quick: 10,000) have the same number of open arrêts and the same due
work: ``scale_ratio`` = large ``seconds`` / small ``seconds``. Targets:
``seconds`` ≤ 10 s, ``scale_ratio`` ≤ 2.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench.sweep_seed import SEED_VERSION, TODAY, Due, seed

if TYPE_CHECKING:
    from shared.db import Database

NAME = "sweep"
ADMIN_URL = os.environ.get("RELAIS_BENCH_POSTGRES_URL",
                           "postgresql://postgres@127.0.0.1:5432/postgres")
#: The working copies (the small population's gets ``_small``), dropped after the run.
WORK_DB = "relais_bench_sweep"
SEED_PREFIX = "relais_bench_sweep_"
#: (employees, the smaller population) by mode (quick: True).
EMPLOYEES = {False: (1_000_000, 100_000), True: (100_000, 10_000)}
OPEN_ARRETS = {False: 100_000, True: 10_000}
DUE = {False: Due(liaison=300, pre_reprise=100, mid_career=300),
       True: Due(liaison=50, pre_reprise=25, mid_career=50)}
FIND_RUNS = 7
#: 09:00 in Paris on the seeded day.
NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 8, 0, tzinfo=UTC)
TARGET_FIND_S = 10.0
TARGET_RATIO = 2.0


def _url(database: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)


@contextlib.contextmanager
def _admin() -> Iterator[Any]:
    import psycopg

    connection = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    try:
        yield connection
    finally:
        connection.close()


def _exists(admin: Any, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
        is not None


def _signature(employees: int, open_arrets: int, due: Due) -> str:
    """What a seeded database holds: the figures, and the schema its migrations built."""
    from services.scheduler.app import MIGRATIONS

    schema = hashlib.sha256()
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        schema.update(path.read_bytes())
    return (f"v{SEED_VERSION} employees={employees} open={open_arrets} today={TODAY} "
            f"due={due.liaison}/{due.pre_reprise}/{due.mid_career} "
            f"schema={schema.hexdigest()[:12]}")


def _stored_signature(name: str) -> str | None:
    import psycopg

    try:
        with psycopg.connect(_url(name), connect_timeout=5) as connection:
            row = connection.execute("SELECT signature FROM bench_seed").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def seeded(employees: int, open_arrets: int, due: Due) -> tuple[str, dict[str, Any]]:
    """The template database of this population, seeded now or reused."""
    from services.scheduler.app import MIGRATIONS
    from shared import migrations

    name = f"{SEED_PREFIX}{employees}_{open_arrets}"
    signature = _signature(employees, open_arrets, due)
    with _admin() as admin:
        if _exists(admin, name) and _stored_signature(name) == signature:
            return name, {"seed_reused": True}
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    started = time.perf_counter()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    migrations.upgrade(MIGRATIONS, _url(name))
    counts = seed(_url(name), employees, open_arrets, due)
    import psycopg

    with psycopg.connect(_url(name), autocommit=True) as connection:
        connection.execute("CREATE TABLE bench_seed (signature text NOT NULL)")
        connection.execute("INSERT INTO bench_seed VALUES (%s)", (signature,))
    return name, {"seed_reused": False, "seed_s": round(time.perf_counter() - started, 1),
                  "rows": counts}


@contextlib.contextmanager
def working_copy(template: str, name: str) -> Iterator[str]:
    """``name``, a fresh copy of ``template``, dropped afterwards."""
    with _admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    try:
        yield _url(name)
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def find_runs(databases: list[Database]) -> list[dict[str, Any]]:
    """``find_daily_work`` on each database in turn: a warm-up, then :data:`FIND_RUNS` rounds.

    Alternating the populations run by run spreads whatever else the machine
    does over both, so that their ratio holds on a machine that is not idle.
    """
    from services.scheduler.service_layer import sweeps

    def find(db: Database) -> tuple[float, sweeps.DailyWork]:
        started = time.perf_counter()
        work = sweeps.find_daily_work(db, NOW)
        return time.perf_counter() - started, work

    measured: list[dict[str, Any]] = []
    for db in databases:
        cold_s, work = find(db)
        measured.append({"cold_s": round(cold_s, 3), "runs": [], "work": work})
    for _ in range(FIND_RUNS):
        for db, entry in zip(databases, measured, strict=True):
            seconds, entry["work"] = find(db)
            entry["runs"].append(seconds)
    return measured


def details(db: Database, entry: dict[str, Any], due: Due, full_sweep: bool) -> dict[str, Any]:
    """One population's figures: its finding runs, the two queries, the full sweep twice."""
    from services.scheduler.adapters import daily_queries
    from services.scheduler.service_layer import sweeps

    work, runs = entry["work"], entry["runs"]
    with db.session() as session:
        on_leave_s, on_leave = _timed(lambda: daily_queries.on_leave_candidates(session, TODAY))
        mid_s, cohort = _timed(lambda: daily_queries.mid_career_candidates(session, TODAY))
    found = {sweeps.LIAISON_OPENED: len(work.liaison),
             sweeps.PRE_REPRISE_INFORMED: len(work.pre_reprise),
             sweeps.MID_CAREER_OPENED: len(work.mid_career)}
    measured: dict[str, Any] = {
        "seconds": round(statistics.median(runs), 3), "runs_s": [round(r, 3) for r in runs],
        "cold_s": entry["cold_s"], "due": work.items, "found": found,
        "candidates": work.candidates,
        "on_leave_query_s": round(on_leave_s, 3), "on_leave_candidates": len(on_leave),
        "mid_career_query_s": round(mid_s, 3), "mid_career_candidates": len(cohort),
    }
    problems = []
    if found != due.counts():
        problems.append(f"found {found}, seeded {due.counts()}")
    if full_sweep:
        full_s, report = _timed(lambda: sweeps.run_daily(db, NOW))
        again_s, again = _timed(lambda: sweeps.run_daily(db, NOW))
        opened = {kind: report.counts.get(kind, 0) for kind in found}
        if opened != due.counts():
            problems.append(f"the sweep opened {opened}, seeded {due.counts()}")
        if any(again.counts.get(kind) for kind in found):
            problems.append(f"the second sweep opened more: {again.counts}")
        measured.update(full_sweep_s=round(full_s, 2), opened=opened, again_s=round(again_s, 3))
    return {**measured, "problems": problems}


def _server() -> dict[str, Any]:
    with _admin() as admin:
        version = admin.execute("SHOW server_version").fetchone()
        settings = {name: admin.execute(f"SHOW {name}").fetchone()[0]
                    for name in ("shared_buffers", "work_mem", "effective_cache_size",
                                 "random_page_cost", "jit")}
    return {"database": f"PostgreSQL {version[0] if version else '?'} on 127.0.0.1",
            "postgres_settings": settings}


def run(quick: bool) -> dict[str, Any]:
    """Both populations, measured in turn; the benchmark's section of results.json."""
    from shared.db import Database

    logging.getLogger("services").setLevel(logging.WARNING)
    sizes, open_arrets, due = EMPLOYEES[quick], OPEN_ARRETS[quick], DUE[quick]
    large, small = sizes
    result: dict[str, Any] = {**_server(), "employees": large, "open_arrets": open_arrets,
                              "due": due.items, "today": TODAY.isoformat()}
    seeds = {}
    for employees in sizes:
        print(f"  {employees:,} employees, {open_arrets:,} open arrêts, {due.items} due: "
              "seeding ...", flush=True)
        seeds[employees] = seeded(employees, open_arrets, due)
    populations = []
    with working_copy(seeds[large][0], WORK_DB) as large_url, \
            working_copy(seeds[small][0], WORK_DB + "_small") as small_url:
        databases = [Database(large_url), Database(small_url)]
        try:
            print(f"  finding, {FIND_RUNS} rounds ...", flush=True)
            entries = find_runs(databases)
            for employees, db, entry in zip(sizes, databases, entries, strict=True):
                # Quick: the full sweep on the large population only (the ratio is the finding's).
                measured = details(db, entry, due, full_sweep=not quick or employees == large)
                populations.append({"employees": employees, **seeds[employees][1], **measured})
                print(f"    {employees:,} employees: finding {measured['seconds']} s "
                      f"(runs {measured['runs_s']}), full sweep "
                      f"{measured.get('full_sweep_s', '-')} s, again "
                      f"{measured.get('again_s', '-')} s", flush=True)
        finally:
            for db in databases:
                db.engine.dispose()
    big, little = populations
    result.update({
        "seconds": big["seconds"],
        "scale_ratio": round(big["seconds"] / little["seconds"], 2),
        "full_sweep_s": big["full_sweep_s"], "again_s": big["again_s"],
        "small_employees": small, "small_seconds": little["seconds"],
        "populations": populations,
    })
    problems = big["problems"] + little["problems"]
    if problems:
        result["problems"] = problems
    return result


def check(result: dict[str, Any]) -> list[str]:
    """The targets this result misses, in words (empty: all met)."""
    if result.get("failed"):
        return [f"sweep: {result['failed']}"]
    missed = [f"sweep: {problem}" for problem in result.get("problems", [])]
    seconds, ratio = result.get("seconds"), result.get("scale_ratio")
    if seconds is None or seconds > TARGET_FIND_S:
        missed.append(f"sweep: finding the due work among {result.get('employees')} employees "
                      f"took {seconds} s > {TARGET_FIND_S:g} s")
    if ratio is None or ratio > TARGET_RATIO:
        missed.append(f"sweep: {result.get('employees')} vs {result.get('small_employees')} "
                      f"employees, same due work: time ratio {ratio} > {TARGET_RATIO:g}")
    return missed


def drop_seeds() -> list[str]:
    """Drop every seeded template and the working copy; their names."""
    with _admin() as admin:
        names = [row[0] for row in admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (SEED_PREFIX + "%",))]
        names += [name for name in (WORK_DB, WORK_DB + "_small") if _exists(admin, name)]
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep",
                                     description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    once = sub.add_parser("run", help="the benchmark alone (results.json untouched)")
    once.add_argument("--quick", action="store_true")
    sub.add_parser("drop", help="drop the seeded databases")
    args = parser.parse_args(argv)
    if args.command == "drop":
        print("dropped:", ", ".join(drop_seeds()) or "nothing")
        return 0
    result = run(args.quick)
    import json

    print(json.dumps(result, indent=2, ensure_ascii=False))
    missed = check(result)
    for line in missed:
        print(line)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
