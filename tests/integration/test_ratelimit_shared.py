"""Replicas share their rate-limit counts through Redis.

Production points ``RELAIS_RATELIMIT_STORAGE_URI`` at Redis so that a client
cannot multiply its allowance by the number of replicas. Two apps stand for
two replicas: together they allow the limit once, not twice. Runs against the
machine's Redis; skipped when none answers, unless ``RELAIS_REQUIRE_REDIS=1``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from flask import Flask

EVALUATE = "/api/v1/evaluate"
REDIS_URL = os.environ.get("RELAIS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def redis_url() -> str:
    if not _redis_answers():
        if os.environ.get("RELAIS_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis ne répond pas sur {REDIS_URL}")
        pytest.skip(f"Redis ne répond pas sur {REDIS_URL}")
    return REDIS_URL


def _replica(tmp_path: Path, name: str, storage: str, prefix: str) -> Flask:
    from services.scheduler.app import create_app

    return create_app({"TESTING": True, "RELAIS_ENV": "test",
                       "DATABASE_URL": f"sqlite:///{tmp_path / (name + '.db')}",
                       "RATELIMIT_ENABLED": True, "EVALUATE_RATE_LIMIT": "4/minute",
                       "RATELIMIT_STORAGE_URI": storage, "RATELIMIT_KEY_PREFIX": prefix})


def _statuses(apps: list[Flask], count: int) -> list[int]:
    clients = [app.test_client() for app in apps]
    return [clients[i % len(clients)].post(EVALUATE, json={"as_of": "2025-04-07"}).status_code
            for i in range(count)]


def test_two_replicas_on_redis_allow_the_limit_once(tmp_path: Path, redis_url: str) -> None:
    prefix = f"relais-test-{uuid.uuid4().hex}"
    apps = [_replica(tmp_path, name, redis_url, prefix) for name in ("a", "b")]
    assert _statuses(apps, 6) == [200, 200, 200, 200, 429, 429]


def test_replicas_in_memory_each_count_alone(tmp_path: Path) -> None:
    """What Redis prevents: with per-process memory, two replicas allow twice the limit."""
    apps = [_replica(tmp_path, name, "memory://", "relais") for name in ("a", "b")]
    assert _statuses(apps, 8) == [200] * 8
    assert _statuses(apps, 2) == [429, 429]
