"""The notification life cycle: allowed moves, final states, provider reports."""

from __future__ import annotations

import pytest

from services.notifier.domain.states import (
    FINAL,
    Status,
    TransitionError,
    can_cancel,
    can_move,
    check_move,
    from_provider_status,
    provider_move,
)


@pytest.mark.parametrize(("current", "target"), [
    ("queued", "sending"), ("queued", "cancelled"), ("queued", "failed"),
    ("sending", "sent"), ("sending", "queued"), ("sending", "failed"),
    ("sent", "delivered"), ("sent", "undelivered"), ("sent", "failed"),
])
def test_allowed_moves(current: str, target: str) -> None:
    assert can_move(current, target)
    assert check_move(current, target) == Status(target)


@pytest.mark.parametrize(("current", "target"), [
    ("sent", "queued"), ("sending", "cancelled"), ("sent", "cancelled"), ("queued", "sent"),
    ("queued", "delivered"), ("queued", "queued"),
])
def test_forbidden_moves(current: str, target: str) -> None:
    assert not can_move(current, target)
    with pytest.raises(TransitionError):
        check_move(current, target)


@pytest.mark.parametrize("final", sorted(FINAL))
@pytest.mark.parametrize("target", [s.value for s in Status])
def test_final_states_are_never_left(final: Status, target: str) -> None:
    assert not can_move(final, target)
    assert provider_move(final, Status(target)) is None


def test_only_queued_can_be_cancelled() -> None:
    assert [s.value for s in Status if can_cancel(s)] == ["queued"]


@pytest.mark.parametrize(("twilio", "ours"), [
    ("queued", "sent"), ("accepted", "sent"), ("sending", "sent"), ("sent", "sent"),
    ("delivered", "delivered"), ("read", "delivered"), ("undelivered", "undelivered"),
    ("failed", "failed"), ("canceled", "cancelled"), ("DELIVERED", "delivered"),
])
def test_twilio_statuses(twilio: str, ours: str) -> None:
    assert from_provider_status(twilio) == Status(ours)


def test_unknown_twilio_status() -> None:
    assert from_provider_status("teleported") is None


@pytest.mark.parametrize(("current", "reported", "expected"), [
    ("sent", "delivered", "delivered"),
    ("sent", "sent", None),  # repeated
    ("delivered", "sent", None),  # late, and final anyway
    ("sent", "undelivered", "undelivered"),
    ("sending", "delivered", "delivered"),  # overtook our own record
    ("sent", "cancelled", "cancelled"),
    ("sending", "sent", "sent"),
    ("failed", "delivered", None),
])
def test_provider_reports(current: str, reported: str, expected: str | None) -> None:
    result = provider_move(current, Status(reported))
    assert (result.value if result else None) == expected
