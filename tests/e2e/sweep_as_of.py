"""Run the scheduler's sweeps once "as of" a given instant: the e2e tests' clock.

``python -m tests.e2e.sweep_as_of 2026-12-01T09:00:00+00:00`` does what
``flask --app services.scheduler.app sweep`` does (the daily sweep, the due
actions, the outbox relay) with ``now`` set to that instant, so that a
scenario can reach the day before an appointment or a deadline without
waiting for it. The worker's own functions do the work; only the clock differs.
"""

from __future__ import annotations

import sys
from datetime import datetime


def main(argv: list[str]) -> int:
    from services.scheduler.app import create_app
    from services.scheduler.entrypoints import worker

    now = datetime.fromisoformat(argv[0])
    if now.tzinfo is None:
        raise SystemExit("instant avec fuseau horaire attendu (ex. 2026-12-01T09:00:00+00:00)")
    app = create_app()
    with app.app_context():
        print(f"balayage quotidien : {worker.daily(app, now)}")
        print(f"actions échues : {worker.due_actions(app, now)}")
        print(f"outbox : {worker.relay(app, now)} message(s) remis")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
