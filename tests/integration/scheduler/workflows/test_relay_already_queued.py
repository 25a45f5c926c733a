"""The relay's notification the notifier already holds: delivered, not failed.

An attempt that got through but whose answer was lost (the relay killed before
recording it, or its lease run out and another relay sent the row again) is
sent again. For the employee's SMS with its "add to my calendar" link, the
request differs the second time: the calendar signs a fresh link. The notifier
then answers 409 ``idempotency_conflict`` and sends nothing more: the message
is in, the row is delivered (with a note), not failed for a human to chase.
Any other 409 (a number that answered STOP) still fails the row at once.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from services.scheduler.adapters.peers import HttpPeers, PeerError
from services.scheduler.service_layer.relay import OutboxRelay
from shared.client import ServiceError
from shared.web import database
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import Clock, FakePeers, make_case, outbox


class NotifierSays409(FakePeers):
    """The notifier refusing every notification with one 409 error code."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def notify(self, payload: dict[str, Any]) -> None:
        raise PeerError("POST /api/v1/notifications -> 409", 409, self.code)


def _confirmed(spst: Tenant) -> None:
    case = make_case(spst, phone="+33612345678")
    procedure_id = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {}).json["id"]
    spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
                       {"starts_at": "2025-04-16T10:00:00+02:00"})
    assert answer.status_code == 200, answer.json


def test_a_notification_already_queued_is_delivered_with_a_note(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    _confirmed(spst)
    report = OutboxRelay(database(wf_app), NotifierSays409("idempotency_conflict")
                         ).run_until_idle(clock())
    rows = outbox(wf_app)
    assert report.failed == 0 and report.delivered == len(rows)
    assert {row.status for row in rows} == {"delivered"}
    notes = [row.last_error or "" for row in rows if row.operation == "notify"]
    assert notes and all(note.startswith("déjà transmis") for note in notes)


def test_another_409_still_fails_the_row(wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    _confirmed(spst)
    OutboxRelay(database(wf_app), NotifierSays409("sms_opted_out")).run_until_idle(clock())
    statuses = {row.operation: row.status for row in outbox(wf_app)}
    assert statuses == {"notify": "failed", "put_event": "delivered"}


class Refusing:
    """A ``ServiceClient`` whose every call ends in the given error answer."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        raise ServiceError(f"{method} {path} -> {self.status}", self.status, self.body)


@pytest.mark.parametrize(("body", "code", "queued"), [
    ({"error": {"code": "idempotency_conflict", "message": "clé déjà utilisée"}},
     "idempotency_conflict", True),
    ({"error": {"code": "sms_opted_out", "message": "STOP"}}, "sms_opted_out", False),
    ("<html>proxy</html>", None, False),
])
def test_the_peer_error_carries_the_notifiers_code(body: Any, code: str | None,
                                                   queued: bool) -> None:
    peers = HttpPeers("http://127.0.0.1:1", "http://127.0.0.1:1", "jeton")
    peers.notifier = Refusing(409, body)  # type: ignore[assignment]
    with pytest.raises(PeerError) as raised:
        peers.notify({"idempotency_key": "relais-p1:confirmed:sms:1"})
    assert (raised.value.status, raised.value.code, raised.value.already_queued) == (
        409, code, queued)
