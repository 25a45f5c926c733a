"""``make demo`` against the running services: it walks a liaison meeting and says what to open."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.e2e.conftest import Spst
from tests.e2e.stack import REPO_ROOT, Stack


def test_make_demo_walks_a_liaison_meeting(stack: Stack, spst: Spst) -> None:
    done = subprocess.run([sys.executable, "-m", "services.scheduler.entrypoints.demo"],
                          cwd=REPO_ROOT, env=stack.env(), capture_output=True, text=True,
                          timeout=180, check=False)
    (stack.folder / "demo.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"{stack.urls['notifier']}/dev/outbox" in out
    assert re.search(r"/e/\S+", out) and re.search(r"/l/\S+", out)
    assert f"{stack.urls['scheduler']}/planner" in out
    feed = re.search(r"https?://\S+/feeds/\S+\.ics", out)
    assert feed, out
    ics = stack.get(feed.group(0))
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text, ics.text[:500]
    calendar_link = re.search(r"https?://\S+/i/\S+\.ics", out)
    assert calendar_link and stack.get(calendar_link.group(0)).status_code == 200
    # The demo issued a new feed link: the scenarios keep theirs current.
    spst.feed_url = stack.service("calendar", "POST",
                                  f"/api/v1/planners/{spst.planner_id}/feed-token",
                                  expect=201).json()["url"]


def test_make_demo_says_in_french_when_the_services_are_down(stack: Stack) -> None:
    env = stack.env() | {"SCHEDULER_PUBLIC_URL": "http://127.0.0.1:9",
                         "NOTIFIER_PUBLIC_URL": "http://127.0.0.1:9",
                         "CALENDAR_PUBLIC_URL": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-m", "services.scheduler.entrypoints.demo"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 1
    assert "make run" in done.stderr and "ne répondent pas" in done.stderr, done.stderr
