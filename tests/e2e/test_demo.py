"""``make demo`` against the running services: it walks a liaison meeting and says what to open."""

from __future__ import annotations

import html
import re
import subprocess
import sys

from tests.e2e.conftest import Spst
from tests.e2e.stack import REPO_ROOT, Stack


def test_make_demo_walks_a_liaison_meeting(stack: Stack, spst: Spst) -> None:
    try:
        _demo_prints_working_addresses(stack)
    finally:
        # The demo issued a new feed link for the SPST's planner, which revoked the
        # scenarios' one: they get a new one, whatever the demo did.
        spst.renew_feed(stack)


def _demo_prints_working_addresses(stack: Stack) -> None:
    done = subprocess.run([sys.executable, "-m", "services.scheduler.entrypoints.demo"],
                          cwd=REPO_ROOT, env=stack.env(), capture_output=True, text=True,
                          timeout=180, check=False)
    (stack.folder / "demo.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"{stack.urls['notifier']}/dev/outbox" in out
    assert f"{stack.urls['scheduler']}/planner" in out
    found = {name: re.search(pattern, out) for name, pattern in (
        ("ines", r"Page d'Inès.*?(https?://\S+/e/\S+)"),
        ("hugo", r"Page d'Hugo.*?(https?://\S+/e/\S+)"),
        ("employer", r"(https?://\S+/l/\S+)"),
        ("feed", r"(https?://\S+/feeds/\S+\.ics)"),
        ("ics", r"(https?://\S+/i/\S+\.ics)"))}
    assert all(found.values()), out
    urls = {name: match.group(1) for name, match in found.items() if match}

    # Every address printed opens what the demo says it shows.
    ines = stack.get(urls["ines"])
    assert ines.status_code == 200 and 'id="ajouter-agenda"' in ines.text, ines.text[:800]
    hugo = stack.get(urls["hugo"])
    assert hugo.status_code == 200 and 'id="accepter"' in hugo.text, hugo.text[:800]
    employer = stack.get(urls["employer"])
    assert employer.status_code == 200 and 'id="rendez-vous"' in employer.text, (
        employer.text[:800])
    ics = stack.get(urls["ics"])
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text, ics.text[:500]
    uid = re.search(r"^UID:(\S+)", ics.text, re.M)
    assert uid, ics.text
    feed = stack.get(urls["feed"])
    assert feed.status_code == 200 and f"UID:{uid.group(1)}" in feed.text, feed.text[:500]
    # The SMS the newcomer reads in the inbox carries that same "add to my calendar" link.
    inbox = stack.get(f"{stack.urls['notifier']}/dev/outbox")
    assert inbox.status_code == 200 and urls["ics"] in html.unescape(inbox.text)


def test_make_demo_says_in_french_when_the_services_are_down(stack: Stack) -> None:
    env = stack.env() | {"SCHEDULER_PUBLIC_URL": "http://127.0.0.1:9",
                         "NOTIFIER_PUBLIC_URL": "http://127.0.0.1:9",
                         "CALENDAR_PUBLIC_URL": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-m", "services.scheduler.entrypoints.demo"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 1
    assert "make run" in done.stderr and "ne répondent pas" in done.stderr, done.stderr
