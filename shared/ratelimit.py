"""Per-client rate limits on public endpoints: fixed windows counted by ``limits``.

A view is marked with :func:`rate_limited` and the name of the setting that
holds its limit (``"120/minute"``, or several: ``"10/second;600/hour"``);
:func:`install_limiter` wraps every marked view of an app once its blueprints
are registered, with the app's own counters (two apps in one process never
share them). The client is the API key on the routes documented with bearer
authentication, otherwise the remote address as seen through the configured
number of trusted proxies. Storage is in memory by default; production
points ``RELAIS_RATELIMIT_STORAGE_URI`` at Redis so that all replicas share
the counts.

Over the limit the view is not called: ``429`` with ``Retry-After`` (the
JSON error, or the pages' HTML one). Every limited answer says where the
client stands: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (epoch seconds), unless ``RATELIMIT_HEADERS_ENABLED``
is off. If the storage does not answer, requests go through (a limit
protects the service; it must not take it down) and a warning is logged at
most once a minute.

The ``limits`` library does the counting (the same counters Flask-Limiter
keeps); this module is the thin part in between, one storage round trip per
limit and request, where Flask-Limiter cost a fifth of a request
(``docs/benchmarks.md``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from shared.auth import bearer_token

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("relais.ratelimit")

#: ``app.extensions`` key of the endpoints that take a bearer token.
KEYED_ENDPOINTS = "relais_keyed_endpoints"
#: ``app.extensions`` key of the app's :class:`RateLimiter`.
EXTENSION = "relais_limiter"
#: Seconds between two warnings about an unreachable storage.
WARN_EVERY_S = 60.0


def client_key() -> str:
    """Who a request counts for: its key on the routes that take one, else its address.

    A route without bearer authentication ignores the ``Authorization``
    header: a made-up token would otherwise start a fresh count each time.
    """
    keyed = current_app.extensions.get(KEYED_ENDPOINTS, frozenset())
    token = bearer_token() if request.endpoint in keyed else None
    if token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return "ip:" + (request.remote_addr or "unknown")


def rate_limited(setting: str) -> Callable[[F], F]:
    """Mark a view as limited by the limit string in ``app.config[setting]``."""

    def mark(view: F) -> F:
        view._rate_limit_setting = setting  # type: ignore[attr-defined]
        return view

    return mark


@dataclass(frozen=True)
class Standing:
    """Where a client stands against one limit after this request."""

    limit: RateLimitItem
    remaining: int
    reset_at: float  # epoch seconds

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))


class RateLimiter:
    """One app's counters: a storage and the fixed-window strategy over it."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.storage = storage_from_string(str(app.config["RATELIMIT_STORAGE_URI"]))
        self.counter = FixedWindowRateLimiter(self.storage)
        self.prefix = str(app.config.get("RATELIMIT_KEY_PREFIX", "relais"))
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._warned_at = -math.inf

    def limits_of(self, text: str) -> list[RateLimitItem]:
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = parse_many(text)
        return parsed

    def check(self, setting: str, scope: str) -> None:
        """Count this request against the limits of ``setting``.

        :raises TooManyRequests: over one of them (the view is not called).
        """
        if not self.app.config["RATELIMIT_ENABLED"]:
            return
        identifiers = (self.prefix, client_key(), scope)
        worst: Standing | None = None
        breached: Standing | None = None
        try:
            for limit in self.limits_of(str(self.app.config[setting])):
                allowed = self.counter.hit(limit, *identifiers)
                stats = self.counter.get_window_stats(limit, *identifiers)
                standing = Standing(limit, stats.remaining, stats.reset_time)
                if worst is None or standing.remaining < worst.remaining:
                    worst = standing
                if not allowed and breached is None:
                    breached = standing
        except Exception as exc:  # the storage is down: let the request through
            self._warn(exc)
            return
        g.relais_rate_limit = breached or worst
        if breached is not None:
            log.info("rate limit %s exceeded on %s", breached.limit, scope)
            raise TooManyRequests(description=str(breached.limit),
                                  retry_after=breached.retry_after(time.time()))

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate-limit storage unreachable, requests not limited: %s",
                        type(exc).__name__)

    def add_headers(self, response: Response) -> Response:
        standing: Standing | None = g.pop("relais_rate_limit", None)
        if standing is None or not self.app.config["RATELIMIT_HEADERS_ENABLED"]:
            return response
        headers = response.headers
        headers["X-RateLimit-Limit"] = str(standing.limit.amount)
        headers["X-RateLimit-Remaining"] = str(max(0, standing.remaining))
        headers["X-RateLimit-Reset"] = str(math.ceil(standing.reset_at))
        return response

    def wrap(self, endpoint: str, setting: str, view: F) -> F:
        """``view``, counted against ``app.config[setting]`` before it runs."""

        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            self.check(setting, endpoint)
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]


def install_limiter(app: Flask) -> RateLimiter:
    """Create the app's limiter and apply the limits of every marked view."""
    limiter = RateLimiter(app)
    app.extensions[KEYED_ENDPOINTS] = frozenset(
        endpoint for endpoint, view in app.view_functions.items()
        if (getattr(view, "_openapi", None) or {}).get("auth"))
    for endpoint, view in list(app.view_functions.items()):
        setting = getattr(view, "_rate_limit_setting", None)
        if setting:
            app.view_functions[endpoint] = limiter.wrap(endpoint, setting, view)
    app.after_request(limiter.add_headers)
    app.extensions[EXTENSION] = limiter
    return limiter
