"""Gunicorn settings shared by the three services (production server).

Sync workers: the handlers are short and CPU-bound (rules, JSON), and blocking
I/O goes to the workers' own processes, not the web tier.

Every knob is read from the environment so that one file serves the Procfile,
the container image and the Kubernetes manifests (see deploy/.env.example).
The access log never carries a query string nor a link token: the links sent
to employees and employers, the planners' feeds and the calendar's "add to my
calendar" links carry their secret in the path.
"""

import os
import re
from typing import Any

from gunicorn.glogging import Logger

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that runs longer than this kills its worker: the API answers in
# milliseconds, and the slow work (providers, CalDAV) runs in the workers.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long; keep it below the platform's
# grace period (Kubernetes terminationGracePeriodSeconds, compose stop_grace_period).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Threaded workers (GUNICORN_THREADS > 1) keep connections open this long;
# it must exceed the reverse proxy's idle time toward the upstream (30 s in
# deploy/Caddyfile), or the proxy reuses a connection gunicorn just closed.
# Sync workers close after each response and ignore it.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Worker recycling is off by default: a recycled worker re-imports the app
# (about a second of CPU) and stalls the requests behind it (measured by
# `make bench`: p99 from 25 ms to 1.2 s). Set GUNICORN_MAX_REQUESTS to bound a
# leak if one is ever found; the jitter then spreads the restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 2
# Heartbeat files of the workers: a memory-backed folder where there is one
# (containers: /dev/shm), so that a slow disk never looks like a hung worker.
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# Who may set X-Forwarded-Proto for gunicorn itself. Client addresses and the
# scheme seen by the app come from RELAIS_TRUSTED_PROXIES (ProxyFix). In a
# container the proxy's address is not known in advance: the manifests set "*"
# and keep the port unreachable except through the proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

#: Paths whose next segment is a secret (signed link, feed or invite token).
TOKEN_PREFIXES = ("/e/", "/l/", "/feeds/", "/i/")
#: Any longer segment is treated as a token too (a UUID has 36 characters).
_LONG_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~=%]{40,}")
REDACTED = "[jeton]"


def redact_path(path: str) -> str:
    """The path without its query string and with link tokens replaced.

    ``/e/eyJ0...abc?x=1`` becomes ``/e/[jeton]``; ``/feeds/abc.ics`` becomes
    ``/feeds/[jeton].ics``; ``/api/v1/notifications/<uuid>`` is kept.
    """
    path = path.split("?", 1)[0]
    for prefix in TOKEN_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            rest = path[len(prefix):]
            segment, slash, tail = rest.partition("/")
            suffix = ".ics" if segment.endswith(".ics") else ""
            path = prefix + REDACTED + suffix + slash + tail
            break
    return "/".join(
        REDACTED if _LONG_SEGMENT.fullmatch(part) else part for part in path.split("/")
    )


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger with query strings, link tokens and referers left out."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        values: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        path = redact_path(str(environ.get("RAW_URI") or environ.get("PATH_INFO") or ""))
        values["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        values["U"] = path
        values["q"] = ""
        values["f"] = "-"
        for key in [k for k in values if k.startswith("{") and k.endswith("}i")]:
            if key in ("{referer}i", "{authorization}i", "{cookie}i"):
                values[key] = "-"
        for key in [k for k in values if k.endswith("}e")]:
            if key in ("{raw_uri}e", "{query_string}e", "{http_referer}e",
                       "{http_authorization}e", "{http_cookie}e", "{path_info}e"):
                values[key] = "-"
        return values


logger_class = RedactingLogger


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges from the metrics shared by the processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
