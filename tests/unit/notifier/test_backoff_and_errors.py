"""Retry delays with jitter, and how provider errors are classified."""

from __future__ import annotations

import pytest

from services.notifier.domain.backoff import Backoff
from services.notifier.domain.errors import Outcome, classify, is_opt_out


@pytest.mark.parametrize(("attempt", "draw", "expected"), [
    (1, 0.5, 1.0), (2, 0.5, 2.0), (3, 0.5, 4.0), (4, 1.0, 16.0), (10, 0.99, 594.0),
    (30, 1.0, 600.0),  # capped
    (1, 0.0, 1.0),  # floor
])
def test_full_jitter(attempt: int, draw: float, expected: float) -> None:
    assert Backoff(base=2.0, cap=600.0).delay(attempt, lambda: draw) == pytest.approx(expected)


def test_jitter_spreads_delays() -> None:
    import random

    source = random.Random(7)
    delays = {round(Backoff().delay(6, source.random), 3) for _ in range(50)}
    assert len(delays) > 40
    assert all(1.0 <= d <= 64.0 for d in delays)


def test_retry_after_is_a_minimum() -> None:
    assert Backoff().delay(1, lambda: 0.1, retry_after=30) == 30
    assert Backoff(cap=60).delay(1, lambda: 0.1, retry_after=3600) == 60


def test_attempts_are_bounded() -> None:
    policy = Backoff(max_attempts=3)
    assert not policy.exhausted(2)
    assert policy.exhausted(3)


@pytest.mark.parametrize(("code", "status", "expected"), [
    ("21610", 400, Outcome.PERMANENT), ("21211", 400, Outcome.PERMANENT),
    ("30005", None, Outcome.PERMANENT), ("30006", None, Outcome.PERMANENT),
    ("30007", None, Outcome.PERMANENT), ("20429", 429, Outcome.RETRY),
    (None, 429, Outcome.RETRY), (None, 500, Outcome.RETRY), (None, 503, Outcome.RETRY),
    (None, None, Outcome.RETRY),  # connection refused
    (None, 400, Outcome.PERMANENT),
])
def test_classify(code: str | None, status: int | None, expected: Outcome) -> None:
    assert classify(code=code, http_status=status) is expected


def test_timeout_after_sending_is_ambiguous() -> None:
    assert classify(timed_out_after_send=True) is Outcome.AMBIGUOUS
    assert is_opt_out("21610") and not is_opt_out("21211")
