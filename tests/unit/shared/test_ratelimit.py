"""The rate limiter: fixed windows per client and route, headers, 429, storage outages."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask, jsonify
from limits import parse

from shared import ratelimit
from shared.config import ConfigError
from shared.errors import register_error_handlers
from shared.ratelimit import install_limiter, rate_limited


def _app(limit: str = "3/minute", **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update({"RATELIMIT_ENABLED": True, "RATELIMIT_HEADERS_ENABLED": True,
                       "RATELIMIT_STORAGE_URI": "memory://", "PING_LIMIT": limit,
                       "OTHER_LIMIT": "1/minute", **config})
    register_error_handlers(app)
    calls: list[str] = []
    app.extensions["calls"] = calls

    @app.get("/ping")
    @rate_limited("PING_LIMIT")
    def ping() -> Any:
        calls.append("ping")
        return jsonify(ok=True)

    @app.get("/other")
    @rate_limited("OTHER_LIMIT")
    def other() -> Any:
        return jsonify(ok=True)

    @app.get("/free")
    def free() -> Any:
        return jsonify(ok=True)

    install_limiter(app)
    return app


def test_the_limit_is_counted_per_route_and_the_view_is_not_called_beyond() -> None:
    app = _app()
    client = app.test_client()
    assert [client.get("/ping").status_code for _ in range(5)] == [200, 200, 200, 429, 429]
    assert app.extensions["calls"] == ["ping"] * 3
    assert client.get("/other").status_code == 200  # its own count


def test_answers_say_where_the_client_stands() -> None:
    client = _app().test_client()
    first = client.get("/ping")
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    reset = int(first.headers["X-RateLimit-Reset"])
    client.get("/ping")
    assert client.get("/ping").headers["X-RateLimit-Remaining"] == "0"
    over = client.get("/ping")
    assert over.status_code == 429 and over.mimetype == "application/json"
    assert 0 < int(over.headers["Retry-After"]) <= 60
    assert abs(int(over.headers["X-RateLimit-Reset"]) - reset) <= 1  # whole seconds
    assert "3 per 1 minute" in over.get_json()["error"]["message"]
    assert "X-RateLimit-Limit" not in client.get("/free").headers


def test_headers_can_be_turned_off_but_not_the_limit() -> None:
    client = _app("1/minute", RATELIMIT_HEADERS_ENABLED=False).test_client()
    assert "X-RateLimit-Limit" not in client.get("/ping").headers
    over = client.get("/ping")
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 0


def test_several_limits_each_count_and_the_tightest_is_reported() -> None:
    client = _app("2/second;100/hour").test_client()
    first = client.get("/ping")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert [client.get("/ping").status_code for _ in range(2)] == [200, 429]


def test_clients_are_counted_apart_by_address() -> None:
    client = _app("1/minute").test_client()
    assert client.get("/ping", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 200
    assert client.get("/ping", environ_base={"REMOTE_ADDR": "192.0.2.2"}).status_code == 200
    assert client.get("/ping", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 429


def test_two_apps_in_one_process_keep_their_own_counts() -> None:
    first, second = _app("1/minute").test_client(), _app("1/minute").test_client()
    assert first.get("/ping").status_code == 200
    assert second.get("/ping").status_code == 200


def test_disabled_means_neither_counted_nor_refused() -> None:
    client = _app("1/minute", RATELIMIT_ENABLED=False).test_client()
    answers = [client.get("/ping") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "X-RateLimit-Limit" not in answers[0].headers


def test_an_unreachable_storage_lets_requests_through_and_warns_once(
        caplog: pytest.LogCaptureFixture) -> None:
    """A limit protects the service; its storage going down must not take the service down."""
    app = _app("1/minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="relais.ratelimit"):
        statuses = [client.get("/ping").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    warnings = [r for r in caplog.records if "storage unreachable" in r.getMessage()]
    assert len(warnings) == 1


def test_the_view_keeps_its_name_and_marks() -> None:
    app = _app()
    view = app.view_functions["ping"]
    assert view.__name__ == "ping"
    assert view._rate_limit_setting == "PING_LIMIT"  # type: ignore[attr-defined]
    assert isinstance(app.extensions[ratelimit.EXTENSION], ratelimit.RateLimiter)


def _remaining(app: Flask, limit: str, scope: str = "ping") -> int:
    limiter = app.extensions[ratelimit.EXTENSION]
    return int(limiter.counter.get_window_stats(
        parse(limit), limiter.prefix, "ip:127.0.0.1", scope).remaining)


def test_a_refused_request_does_not_use_up_the_longer_limit() -> None:
    """A burst over 2/minute is refused without eating the hour's allowance."""
    app = _app("2/minute;5/hour")
    client = app.test_client()
    statuses = [client.get("/ping", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code
                for _ in range(10)]
    assert statuses == [200, 200] + [429] * 8
    assert _remaining(app, "5/hour") == 3


def test_retry_after_waits_for_every_limit_reached() -> None:
    client = _app("1/second;1/minute").test_client()
    assert client.get("/ping").status_code == 200
    over = client.get("/ping")
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) > 2  # the minute's reset, not the second's
    assert "1 per 1 minute" in over.get_json()["error"]["message"]


def test_a_limit_that_does_not_parse_fails_at_start_up() -> None:
    with pytest.raises(ConfigError, match="PING_LIMIT"):
        _app("beaucoup")


def test_after_a_storage_failure_the_storage_is_left_alone_for_a_while(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app("1/minute", RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    limiter = app.extensions[ratelimit.EXTENSION]
    calls = []
    real = limiter.counter.get_window_stats

    def counted(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(limiter.counter, "get_window_stats", counted)
    client = app.test_client()
    assert [client.get("/ping").status_code for _ in range(3)] == [200, 200, 200]
    assert len(calls) == 1  # the first request found it down; the next two did not ask
    later = time.monotonic() + ratelimit.STORAGE_BACKOFF_S + 1
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: later)
    client.get("/ping")
    assert len(calls) == 2  # asked again once the pause is over


def test_redis_is_asked_with_short_timeouts() -> None:
    app = _app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    storage = app.extensions[ratelimit.EXTENSION].storage
    kwargs = storage.storage.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == (
        ratelimit.STORAGE_TIMEOUT_S)
