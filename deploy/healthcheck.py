"""Container health check: GET ``HEALTHCHECK_URL`` and expect a 2xx answer.

Web containers point it at their ``/healthz``. Where it is unset (workers,
migrations) the check passes: the orchestrator restarts a process that exits.
Standard library only, so that it runs in the slim image as is.
"""

from __future__ import annotations

import os
import sys
import urllib.request


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", "").strip()
    if not url:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if 200 <= response.status < 300 else 1
    except OSError as exc:
        print(f"health check failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
