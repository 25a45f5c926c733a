"""The shared outbox rules and the notifier adapter's reading of answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.calendar.adapters.notifier import (
    FakeInvites,
    InviteEmail,
    NotifierInvites,
    NotifierRefused,
    NotifierUnavailable,
)
from services.calendar.adapters.orm import InviteRow
from services.calendar.service_layer.invites import Claim, InviteJob
from services.calendar.service_layer.outbox import (
    FAILED,
    PENDING,
    Outcome,
    RetryPolicy,
    apply_outcome,
)
from shared.client import ServiceError

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MESSAGE = InviteEmail(to="zoe@example.fr", template="event_invitation", data={"name": "Zoé"},
                      ics="BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n",
                      method="CANCEL", idempotency_key="invite:u:1:CANCEL:0123456789abcdef")


def _row(attempts: int = 0) -> InviteRow:
    return InviteRow(status="in_progress", attempts=attempts, next_attempt_at=NOW)


def test_transient_failure_waits_then_gives_up() -> None:
    policy = RetryPolicy(max_attempts=3)
    row = _row()
    apply_outcome(row, Outcome(error="503"), NOW, policy)
    assert (row.status, row.attempts, row.last_error) == (PENDING, 1, "503")
    assert timedelta(seconds=8) <= row.next_attempt_at - NOW <= timedelta(seconds=12)
    row.attempts = 2
    apply_outcome(row, Outcome(error="503"), NOW, policy)
    assert row.status == FAILED


def test_permanent_failure_fails_at_once_and_success_keeps_a_note() -> None:
    row = _row()
    apply_outcome(row, Outcome(error="422 invalid_input", permanent=True), NOW, RetryPolicy())
    assert (row.status, row.attempts) == (FAILED, 1)
    row = _row()
    apply_outcome(row, Outcome(note="409 déjà connue"), NOW, RetryPolicy(), done="delivered")
    assert (row.status, row.last_error) == ("delivered", "409 déjà connue")


def test_payload_carries_the_ics_with_its_method() -> None:
    payload = MESSAGE.payload()
    assert payload["channel"] == "email" and payload["locale"] == "fr"
    assert payload["attachments"] == [{"filename": "invite.ics",
                                       "content_type": "text/calendar; method=CANCEL",
                                       "content": MESSAGE.ics}]
    assert payload["idempotency_key"] == MESSAGE.idempotency_key


class _Client:
    def __init__(self, error: ServiceError | None = None, body: Any = None) -> None:
        self.error, self.body = error, body

    def post(self, path: str, **kwargs: Any) -> Any:
        if self.error is not None:
            raise self.error
        return self.body


def _sender(error: ServiceError | None = None, body: Any = None) -> NotifierInvites:
    sender = NotifierInvites("http://127.0.0.1:9", "token")
    sender.client = _Client(error, body)  # type: ignore[assignment]
    return sender


@pytest.mark.parametrize("status", [None, 429, 500, 502, 503])
def test_transient_answers_are_retried(status: int | None) -> None:
    with pytest.raises(NotifierUnavailable):
        _sender(ServiceError("x", status)).send(MESSAGE)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_refusals_are_final(status: int) -> None:
    body = {"error": {"code": "invalid_input", "message": "to : adresse invalide"}}
    with pytest.raises(NotifierRefused, match=f"{status} invalid_input"):
        _sender(ServiceError("x", status, body)).send(MESSAGE)


def test_accepted_and_already_known() -> None:
    assert _sender(body={"id": "n-1", "status": "queued"}).send(MESSAGE).notification_id == "n-1"
    known = _sender(ServiceError("x", 409, {"error": {"code": "idempotency_conflict"}}))
    accepted = known.send(MESSAGE)
    assert accepted.notification_id is None and "409" in (accepted.note or "")
    with pytest.raises(NotifierUnavailable):
        _sender(body={"unexpected": True}).send(MESSAGE)


def test_job_turns_sender_errors_into_outcomes() -> None:
    claim = Claim(1, NOW, MESSAGE)
    fake = FakeInvites(down=True)
    outcome = InviteJob(fake).deliver(claim)
    assert outcome.error and not outcome.permanent
    fake.down, fake.refuse = False, "422 invalid_input"
    assert InviteJob(fake).deliver(claim).permanent
    fake.refuse = None
    assert InviteJob(fake).deliver(claim) == Outcome(reference="fake-1")
    assert fake.sent == [MESSAGE]
