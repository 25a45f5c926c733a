"""The scheduler worker's due actions and outbox relay, once: ``python -m tests.faults.due_sweep``.

What ``flask --app services.scheduler.app sweep`` does without the daily sweep,
which only looks for new eligibilities (a run of the faults tier starts it
once, for the liaison meetings, and the worker runs it whenever it starts):
the proposals that waited for the calendar, and the outbox, without spending
a daily sweep's minutes of CPU on a small machine each time.
"""

from __future__ import annotations

import sys


def main() -> int:
    from services.scheduler.app import create_app
    from services.scheduler.entrypoints import worker

    app = create_app()
    with app.app_context():
        print(f"actions échues : {worker.due_actions(app)}")
        print(f"outbox : {worker.relay(app)} message(s) remis")
    return 0


if __name__ == "__main__":
    sys.exit(main())
