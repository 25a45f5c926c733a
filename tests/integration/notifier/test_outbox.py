"""The outbox relay against a local HTTP server: signed callbacks with retries,
and the employees' answers forwarded to the scheduler.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from services.notifier.adapters.orm import OutboxMessage
from services.notifier.domain import signing
from services.notifier.domain.backoff import Backoff
from services.notifier.service_layer import provider_events
from services.notifier.service_layer.dispatch import Dispatcher
from services.notifier.service_layer.outbox import OutboxRelay, OutboxSettings
from shared.db import Database
from tests.integration.notifier.conftest import AUTH, Clock, RecordingServer
from tests.integration.notifier.test_api import post, sms

KEY = "clé-de-signature"


def relay(db: Database, server: RecordingServer, clock: Clock, attempts: int = 5) -> OutboxRelay:
    settings = OutboxSettings(scheduler_url=server.url, service_token="jeton-service",
                              signing_key=KEY, backoff=Backoff(max_attempts=attempts),
                              timeout=2.0)
    return OutboxRelay(db, settings, clock=clock, rand=lambda: 0.5)


def outbox_states(db: Database) -> list[tuple[str, str, int]]:
    with db.session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(r.kind, r.status, r.attempts) for r in rows]


def test_status_changes_are_posted_signed_and_retried(
        notifier_client: FlaskClient, notifier_db: Database, dispatcher: Dispatcher,
        recording_server: RecordingServer, clock: Clock) -> None:
    callback = f"{recording_server.url}/rappels/relais"
    created = post(notifier_client, sms(callback_url=callback)).json
    dispatcher.run_until_idle()
    with notifier_db.session() as session:
        provider_id = session.scalars(select(OutboxMessage.payload)).one()["provider_id"]
        provider_events.record_provider_status(session, provider_id, "delivered", None,
                                               clock.now)
    recording_server.statuses = [500]  # the receiver fails once
    worker = relay(notifier_db, recording_server, clock)
    assert worker.run_until_idle() == 2
    assert outbox_states(notifier_db) == [("callback", "pending", 1),
                                          ("callback", "delivered", 1)]
    clock.advance(seconds=5)
    worker.run_until_idle()
    assert outbox_states(notifier_db) == [("callback", "delivered", 2),
                                          ("callback", "delivered", 1)]
    received = recording_server.requests
    assert [r.path for r in received] == ["/rappels/relais"] * 3
    for request in received:
        assert signing.verify(KEY, request.body, request.headers["X-Relais-Signature"],
                              now=int(clock.now.timestamp()))
    payloads = [r.json() for r in received]
    assert {p["status"] for p in payloads} == {"sent", "delivered"}
    assert all(p["notification_id"] == created["id"] for p in payloads)
    assert payloads[0]["event_id"] == payloads[-1]["event_id"]  # the retry is the same event


def test_callback_gives_up_after_its_attempts(
        notifier_client: FlaskClient, notifier_db: Database,
        recording_server: RecordingServer, clock: Clock) -> None:
    created = post(notifier_client, sms(callback_url=f"{recording_server.url}/x")).json
    notifier_client.post(f"/api/v1/notifications/{created['id']}/cancel", headers=AUTH)
    recording_server.statuses = [503] * 10
    worker = relay(notifier_db, recording_server, clock, attempts=3)
    for _ in range(5):
        worker.run_until_idle()
        clock.advance(minutes=10)
    assert outbox_states(notifier_db) == [("callback", "failed", 3)]


def test_unreachable_receiver_is_retried(notifier_client: FlaskClient, notifier_db: Database,
                                         clock: Clock) -> None:
    created = post(notifier_client, sms(callback_url="http://127.0.0.1:9/nobody")).json
    notifier_client.post(f"/api/v1/notifications/{created['id']}/cancel", headers=AUTH)
    with RecordingServer() as unused:
        worker = relay(notifier_db, unused, clock)
        worker.run_until_idle()
    [(_kind, status, attempts)] = outbox_states(notifier_db)
    assert (status, attempts) == ("pending", 1)


def test_replies_are_forwarded_to_the_scheduler_once(
        notifier_db: Database, recording_server: RecordingServer, clock: Clock) -> None:
    with notifier_db.session() as session:
        provider_events.record_inbound_reply(session, "+33612345678", "yes", clock.now,
                                             message_sid="SM123")
        provider_events.record_inbound_reply(session, "+33612345678", "yes", clock.now,
                                             message_sid="SM123")  # Twilio retried
        provider_events.record_inbound_reply(session, "+33698765432", "no",
                                             clock.now + timedelta(seconds=1))
    recording_server.statuses = [502]
    worker = relay(notifier_db, recording_server, clock)
    worker.run_until_idle()
    clock.advance(seconds=5)
    worker.run_until_idle()
    assert outbox_states(notifier_db) == [("reply", "delivered", 2), ("reply", "delivered", 1)]
    delivered = recording_server.requests[1:]
    assert {r.path for r in delivered} == {"/internal/v1/replies"}
    assert all(r.headers["Authorization"] == "Bearer jeton-service" for r in delivered)
    bodies = sorted((r.json() for r in delivered), key=lambda b: b["answer"])
    assert [(b["phone"], b["answer"]) for b in bodies] == [("+33698765432", "no"),
                                                           ("+33612345678", "yes")]
    assert all(b["idempotency_key"].startswith("reply:") and b["received_at"] for b in bodies)
    assert all(r.headers["Idempotency-Key"] == r.json()["idempotency_key"] for r in delivered)
