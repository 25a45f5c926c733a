"""The faults tier: one run of 500 cases under faults, shared by the module's checks.

``recovered_run`` (module scope) makes a private PostgreSQL cluster
(:mod:`tests.faults.cluster`), starts the Twilio and SMTP stand-ins
(:mod:`tests.faults.sinks`) and the three services with their workers on it
(:class:`tests.faults.harness.FaultStack`), plays :mod:`tests.faults.scenario`
and hands its :class:`~tests.faults.scenario.Snapshot` to the checks.

The faults come from ``random.Random(seed)``: the seed is printed at the start
(``RELAIS_FAULTS_SEED=N`` replays a run's choices). Logs of every process, and
PostgreSQL's, go to ``var/test-artifacts/faults/<time>/``; the run's journal
and the end of each log are added to the report of a failed check.

Without ``initdb``/``pg_ctl`` (or aiosmtpd) the tier is skipped with the
reason, unless ``RELAIS_REQUIRE_POSTGRES=1`` (CI), where it fails.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from tests.conftest import REQUIRE_POSTGRES
from tests.e2e.stack import ARTIFACTS, free_port
from tests.faults import cluster
from tests.faults.harness import FaultStack
from tests.faults.scenario import Run, Snapshot
from tests.faults.sinks import MailSink, StormTwilio

DEFAULT_SEED = 7
_running: list[FaultStack] = []


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed and _running:
        stack = _running[-1]
        report.sections.append(("déroulé des pannes", "\n".join(stack.journal)))
        report.sections.append(("journaux des services (fin)", stack.log_tails(25)))
    return report


def _problem() -> str | None:
    found = cluster.problem()
    if found is not None:
        return found
    try:
        import aiosmtpd.controller  # noqa: F401
    except ImportError:
        return "aiosmtpd absent du venv (make install)"
    return None


@pytest.fixture(scope="module")
def recovered_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    problem = _problem()
    if problem is not None:
        message = f"tests de pannes impossibles : {problem}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (RELAIS_REQUIRE_POSTGRES=1)")
        pytest.skip(message + ". RELAIS_REQUIRE_POSTGRES=1 pour en faire une erreur.")
    from aiosmtpd.controller import Controller

    seed = int(os.environ.get("RELAIS_FAULTS_SEED") or DEFAULT_SEED)
    folder = ARTIFACTS / "faults" / time.strftime("%Y%m%d-%H%M%S")
    print(f"\ngraine des pannes : {seed} (RELAIS_FAULTS_SEED={seed} pour rejouer) ; "
          f"journaux : {folder}", flush=True)
    started = time.monotonic()
    postgres = cluster.PrivateCluster(folder)
    twilio = StormTwilio()
    mail = MailSink()
    controller: Any = None
    stack: FaultStack | None = None
    run: Run | None = None
    try:
        postgres.init()
        postgres.start()
        twilio.start()
        controller = Controller(mail, hostname="127.0.0.1", port=free_port())
        controller.start()
        stack = FaultStack(folder, tmp_path_factory.mktemp("faults-data"), postgres.url,
                           twilio.url, int(controller.port))
        _running.append(stack)
        stack.start()
        run = Run(stack, postgres, twilio, mail, seed)
        run.setup_spst()
        run.drive()
        recovery = run.settle()
        snapshot = run.snapshot(recovery, time.monotonic() - started)
        for name, value in snapshot.figures.items():
            print(f"  {name} : {value}", flush=True)
        yield snapshot
    finally:
        if run is not None:
            run.close()
        if stack is not None:
            stack.stop()
        if controller is not None:
            controller.stop()
        if twilio._thread is not None:
            twilio.stop()
        postgres.destroy()
        _running.clear()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"\n  durée avec l'arrêt : {time.monotonic() - started:.0f} s ; CPU des services "
              f"(hors PostgreSQL) : {used.ru_utime + used.ru_stime:.0f} s", flush=True)
