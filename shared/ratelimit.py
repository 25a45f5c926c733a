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

Over a limit the view is not called: ``429`` with ``Retry-After`` (the
JSON error, or the pages' HTML one), until the latest reset among the limits
reached. A refused request counts against none of them: a burst over
``10/minute`` does not also use up ``50/hour``. Every limited answer says
where the client stands: ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``
and ``X-RateLimit-Reset`` (epoch seconds) of its tightest limit, unless
``RATELIMIT_HEADERS_ENABLED`` is off.

A limit protects the service; it must not take it down. Redis is asked with
short timeouts (:data:`STORAGE_TIMEOUT_S`); if the storage fails, requests go
through unlimited, the storage is left alone for :data:`STORAGE_BACKOFF_S`,
and a warning is logged at most once a minute. A limit setting that does
not parse fails at start-up, not on the first request.

The ``limits`` library does the counting (fixed windows, as Flask-Limiter
kept them); this module is the thin part in between, where Flask-Limiter
cost a fifth of a request (``docs/benchmarks.md``).
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
from shared.config import ConfigError

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("relais.ratelimit")

#: ``app.extensions`` key of the endpoints that take a bearer token.
KEYED_ENDPOINTS = "relais_keyed_endpoints"
#: ``app.extensions`` key of the app's :class:`RateLimiter`.
EXTENSION = "relais_limiter"
#: Seconds between two warnings about an unreachable storage.
WARN_EVERY_S = 60.0
#: Connect and read timeouts of a networked storage (Redis), in seconds.
STORAGE_TIMEOUT_S = 0.25
#: After a storage failure, seconds during which requests are not limited.
STORAGE_BACKOFF_S = 5.0


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
        uri = str(app.config["RATELIMIT_STORAGE_URI"])
        options: dict[str, float] = {}
        if uri.split(":", 1)[0].startswith(("redis", "valkey")):
            options = {"socket_connect_timeout": STORAGE_TIMEOUT_S,
                       "socket_timeout": STORAGE_TIMEOUT_S}
        self.storage = storage_from_string(uri, **options)
        self.counter = FixedWindowRateLimiter(self.storage)
        self.prefix = str(app.config.get("RATELIMIT_KEY_PREFIX", "relais"))
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._warned_at = -math.inf
        self._down_until = -math.inf

    def limits_of(self, text: str) -> list[RateLimitItem]:
        """The limits of a setting's text, shortest window first.

        :raises ValueError: when the text is not a limit.
        """
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = sorted(parse_many(text))
        return parsed

    def check(self, setting: str, scope: str) -> None:
        """Count this request against the limits of ``setting``, unless one is reached.

        :raises TooManyRequests: a limit is reached (the view is not called).
        """
        if not self.app.config["RATELIMIT_ENABLED"]:
            return
        limits = self.limits_of(str(self.app.config[setting]))
        if time.monotonic() < self._down_until:
            return
        identifiers = (self.prefix, client_key(), scope)
        try:
            standings = [self._standing(limit, identifiers) for limit in limits]
            reached = [s for s in standings if s.remaining <= 0]
            if not reached:
                counted = [self.counter.hit(s.limit, *identifiers) for s in standings]
                # A concurrent request may have taken the last place meanwhile.
                reached = [s for s, ok in zip(standings, counted, strict=True) if not ok]
                standings = [Standing(s.limit, s.remaining - 1, s.reset_at) for s in standings]
        except Exception as exc:  # the storage failed: let the request through
            self._storage_failed(exc)
            return
        g.relais_rate_limit = min(standings, key=lambda s: s.remaining)
        if reached:
            latest = max(reached, key=lambda s: s.reset_at)
            g.relais_rate_limit = Standing(latest.limit, 0, latest.reset_at)
            log.info("rate limit %s reached on %s", latest.limit, scope)
            raise TooManyRequests(description=str(latest.limit),
                                  retry_after=latest.retry_after(time.time()))

    def _standing(self, limit: RateLimitItem, identifiers: tuple[str, ...]) -> Standing:
        stats = self.counter.get_window_stats(limit, *identifiers)
        reset_at = stats.reset_time
        if stats.remaining >= limit.amount:  # no window yet: this request opens one
            reset_at = max(reset_at, time.time() + limit.get_expiry())
        return Standing(limit, stats.remaining, reset_at)

    def _storage_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + STORAGE_BACKOFF_S
        if now - self._warned_at >= WARN_EVERY_S:
            self._warned_at = now
            log.warning("rate-limit storage unreachable, requests not limited for %g s: %s",
                        STORAGE_BACKOFF_S, type(exc).__name__)

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
            try:
                limiter.limits_of(str(app.config[setting]))
            except (KeyError, ValueError) as exc:
                raise ConfigError(f"{setting} : limite de débit illisible "
                                  f"({app.config.get(setting)!r})") from exc
            app.view_functions[endpoint] = limiter.wrap(endpoint, setting, view)
    app.after_request(limiter.add_headers)
    app.extensions[EXTENSION] = limiter
    return limiter
