"""End-to-end fixtures: the running services, people with phones, a phone browser.

``stack`` starts the three services and their workers once per session (see
:mod:`tests.e2e.stack`) on SQLite, or on PostgreSQL with
``RELAIS_E2E_BACKEND=postgresql``. Logs go to ``var/test-artifacts/e2e/``; the
end of each is added to the report of a failed test. The folders of the last
few runs are kept.

``page`` is Debian's Chromium driven by Playwright, sized like a phone
(390×844, touch, French). ``playwright install`` cannot download browsers
here, so without ``/usr/bin/chromium`` the browser tests are skipped with the
reason, unless ``RELAIS_REQUIRE_BROWSER=1`` (CI), where they fail.
Screenshots go to ``var/test-artifacts/e2e/screenshots/``, one more on failure.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import POSTGRES_URL
from tests.e2e.stack import ARTIFACTS, WAIT, Stack

CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("RELAIS_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--lang=fr-FR",
                 "--disable-background-networking"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True, "locale": "fr-FR",
         "timezone_id": "Europe/Paris"}
SCREENSHOTS = ARTIFACTS / "e2e" / "screenshots"
#: A full-page capture waits for fonts and layout: generous on a busy machine.
SCREENSHOT_TIMEOUT_MS = 60_000
#: The log folders of this many runs are kept (the newest).
KEPT_RUNS = 5
_numbers = itertools.count(1)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    funcargs: dict[str, Any] = getattr(item, "funcargs", {})
    if report.failed:
        stack = funcargs.get("stack")
        if isinstance(stack, Stack):
            report.sections.append(("journaux des services (fin)", stack.log_tails()))
    return report


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    backend = os.environ.get("RELAIS_E2E_BACKEND", "sqlite")
    runs = ARTIFACTS / "e2e"
    folder = runs / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    if runs.is_dir():
        older = sorted(p for p in runs.iterdir() if p.is_dir() and p.name[:1].isdigit())
        for old in older[:max(0, len(older) - (KEPT_RUNS - 1))]:
            shutil.rmtree(old, ignore_errors=True)
    if backend == "postgresql":
        from tests.conftest import _postgres_problem

        problem = _postgres_problem()
        if problem is not None:
            pytest.fail(f"RELAIS_E2E_BACKEND=postgresql mais PostgreSQL injoignable : {problem}")
    # The databases live in a temporary folder; logs stay in the artifacts.
    running = Stack(folder, tmp_path_factory.mktemp("e2e-data"), backend,
                    POSTGRES_URL if backend == "postgresql" else None)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@dataclass
class Spst:
    """The SPST of the scenarios: its planning address and its planner's ICS feed.

    ``feed_url`` is the planner's current subscription link. Issuing a new one
    revokes it (as ``make demo`` and the dashboard's button do): whoever does
    so calls :meth:`renew_feed` afterwards, so that the next scenarios read a
    live feed.
    """

    planning_email: str
    planner_id: int
    feed_url: str = ""

    def renew_feed(self, stack: Stack) -> str:
        """Issue a new feed link for the planner (the previous one is revoked)."""
        feed = stack.service("calendar", "POST", f"/api/v1/planners/{self.planner_id}/feed-token",
                             expect=201).json()
        self.feed_url = str(feed["url"])
        return self.feed_url


@pytest.fixture(scope="session")
def spst(stack: Stack) -> Spst:
    """The SPST's planning e-mail and calendar planner, set through the public APIs."""
    email = unique_email("planification")
    planner = stack.service("calendar", "POST", "/api/v1/planners", {
        "name": "Planification du SPST", "email": email, "spst_id": stack.ensure_tenant(),
    }, expect=201).json()
    stack.api("PATCH", "/api/v1/settings", {"planning_email": email,
                                            "calendar_planner_id": planner["id"]}, expect=200)
    found = Spst(email, int(planner["id"]))
    found.renew_feed(stack)
    return found


@pytest.fixture(autouse=True)
def _close_people_sessions(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "stack" in request.fixturenames:
        running: Stack = request.getfixturevalue("stack")
        running.close_sessions()


def unique_phone() -> str:
    """A French mobile number no other test uses (E.164)."""
    return f"+3376{os.getpid() % 1000:03d}{next(_numbers):04d}"


def unique_email(who: str) -> str:
    return f"{who}.{os.getpid()}.{next(_numbers)}@exemple.fr"


# --- browser ------------------------------------------------------------------


def _browser_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright absent du venv (make install)"
    if not CHROMIUM.exists():
        return (f"Chromium absent ({CHROMIUM}) : apt-get install chromium "
                "(le fait .ci/run) ou RELAIS_CHROMIUM=/chemin")
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    problem = _browser_problem()
    if problem is not None:
        if REQUIRE_BROWSER:
            pytest.fail(problem + " (RELAIS_REQUIRE_BROWSER=1)")
        pytest.skip(problem + ". Tests navigateur ignorés ; RELAIS_REQUIRE_BROWSER=1 pour "
                    "en faire une erreur.")
    from playwright.sync_api import sync_playwright

    # Old screenshots would mislead: each run starts with an empty folder.
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


Shot = Callable[..., Path]
NewPhone = Callable[[], Any]


@pytest.fixture
def new_phone(browser: Any, request: pytest.FixtureRequest) -> Iterator[NewPhone]:
    """``new_phone()``: a fresh phone-sized page, one person each (own cookies).

    Each page still open at the end of a failed test is captured.
    """
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(**PHONE)
        context.set_default_timeout(WAIT * 1000)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "report_call", None)
    for index, context in enumerate(contexts):
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            for number, opened in enumerate(context.pages):
                path = SCREENSHOTS / f"{_slug(request.node.name)}--ECHEC-{index}{number}.png"
                try:
                    opened.screenshot(path=str(path), full_page=True,
                                      timeout=SCREENSHOT_TIMEOUT_MS)
                except Exception as exc:  # a crashed page must not hide the test's own error
                    path.with_suffix(".txt").write_text(f"capture impossible : {exc}")
        context.close()


@pytest.fixture
def page(new_phone: NewPhone) -> Any:
    """One phone-sized page."""
    return new_phone()


@pytest.fixture
def shot(page: Any, request: pytest.FixtureRequest) -> Shot:
    """``shot("etape")`` (or ``shot("etape", other_page)``) saves a full-page screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    steps = itertools.count(1)

    def take(step: str, on: Any = None) -> Path:
        path = SCREENSHOTS / f"{_slug(request.node.name)}--{next(steps):02d}-{_slug(step)}.png"
        (on or page).screenshot(path=str(path), full_page=True, timeout=SCREENSHOT_TIMEOUT_MS)
        return path

    return take
