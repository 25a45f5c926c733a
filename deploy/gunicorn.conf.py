"""Gunicorn settings shared by the three services (production server).

Sync workers: the handlers are short and CPU-bound (rules, JSON), and blocking
I/O goes to the workers' own processes, not the web tier.
"""

import os

workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 5
# Worker recycling is off by default: a recycled worker re-imports the app
# (about a second of CPU) and stalls the requests behind it (measured by
# `make bench`: p99 from 25 ms to 1.2 s). Set GUNICORN_MAX_REQUESTS to bound a
# leak if one is ever found; the jitter then spreads the restarts.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 2
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
