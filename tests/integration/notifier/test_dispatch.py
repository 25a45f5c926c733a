"""The dispatcher with fake gateways: sends, retries, permanent and ambiguous
errors, opt-outs, quiet hours, leases, and two dispatchers at once.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from services.notifier.adapters.fakes import FakeEmailGateway, FakeSmsGateway
from services.notifier.adapters.gateways import DeliveryError
from services.notifier.adapters.orm import Notification, NotificationEvent
from services.notifier.domain.backoff import Backoff
from services.notifier.domain.kinds import EXAMPLES
from services.notifier.service_layer import provider_events
from services.notifier.service_layer.dispatch import Dispatcher
from shared.db import Database
from tests.integration.notifier.conftest import AUTH, Clock, Gateways, make_dispatcher
from tests.integration.notifier.test_api import email, post, sms


def row(db: Database, notification_id: str) -> Notification:
    with db.session() as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found


def queue(client: FlaskClient, body: dict[str, Any]) -> str:
    answer = post(client, body)
    assert answer.status_code == 202, answer.json
    return str(answer.json["id"])


def test_sms_and_email_are_sent_once(notifier_client: FlaskClient, notifier_db: Database,
                                     dispatcher: Dispatcher, gateways: Gateways) -> None:
    sms_id, email_id = queue(notifier_client, sms()), queue(notifier_client, email())
    assert dispatcher.run_until_idle() == 2
    assert dispatcher.run_until_idle() == 0
    assert len(gateways.sms.sent) == 1 and len(gateways.email.sent) == 1
    sent_sms = gateways.sms.sent[0]
    assert sent_sms.to == "+33612345678"
    assert sent_sms.status_callback == ("https://relais.example.fr/webhooks/twilio/status"
                                        f"?notification={sms_id}&attempt=1")
    assert sent_sms.idempotency_key == "case-1:proposal:1"
    stored = row(notifier_db, sms_id)
    assert stored.status == "sent" and stored.provider_id and stored.attempts == 1
    assert stored.sent_at is not None
    message = gateways.email.sent[0]
    assert message["To"] == "marie.durand@example.fr"
    assert message["X-Relais-Notification"] == email_id
    calendar = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendar) == 2  # the alternative and the invite.ics attachment
    assert all(p.get_param("method") == "REQUEST" for p in calendar)
    assert {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}


def test_transient_errors_are_retried_with_backoff_then_fail(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    dispatcher = make_dispatcher(notifier_db, gateways, clock,
                                 backoff=Backoff(base=2, cap=60, max_attempts=3))
    notification_id = queue(notifier_client, sms())
    gateways.sms.fail_next(DeliveryError("HTTP 503"), DeliveryError("429", code="20429",
                                                                    retry_after=30),
                           DeliveryError("connexion refusée"))
    dispatcher.run_until_idle()
    first = row(notifier_db, notification_id)
    assert (first.status, first.attempts) == ("queued", 1)
    assert first.next_attempt_at == clock.now + timedelta(seconds=1)  # 2 * 0.5, floor 1
    assert dispatcher.run_until_idle() == 0  # not due yet
    clock.advance(seconds=1)
    dispatcher.run_until_idle()
    second = row(notifier_db, notification_id)
    assert second.next_attempt_at == clock.now + timedelta(seconds=30)  # Retry-After wins
    clock.advance(seconds=30)
    dispatcher.run_until_idle()
    last = row(notifier_db, notification_id)
    assert (last.status, last.attempts) == ("failed", 3)
    assert last.last_error == "connexion refusée"
    assert gateways.sms.sent == []
    dispatcher.close()


def test_provider_down_for_minutes_then_back(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    dispatcher = make_dispatcher(notifier_db, gateways, clock)
    notification_id = queue(notifier_client, sms())
    gateways.sms.fail_next(*[DeliveryError("HTTP 502") for _ in range(6)])
    for _ in range(60):  # ten minutes, one look every ten seconds
        dispatcher.run_until_idle()
        clock.advance(seconds=10)
    assert row(notifier_db, notification_id).status == "sent"
    assert len(gateways.sms.sent) == 1
    dispatcher.close()


def test_permanent_error_fails_at_once(notifier_client: FlaskClient, notifier_db: Database,
                                       dispatcher: Dispatcher, gateways: Gateways) -> None:
    notification_id = queue(notifier_client, sms())
    gateways.sms.fail_next(DeliveryError("numéro invalide", permanent=True, code="21211"))
    dispatcher.run_until_idle()
    failed = row(notifier_db, notification_id)
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", "21211", 1)
    assert gateways.sms.calls == 1


def test_opted_out_error_records_the_opt_out(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    dispatcher = make_dispatcher(notifier_db, gateways, clock, batch=1)
    first = queue(notifier_client, sms())
    second = queue(notifier_client, sms(idempotency_key="case-1:proposal:2"))
    gateways.sms.fail_next(DeliveryError("opposé", permanent=True, code="21610",
                                         opted_out=True))
    dispatcher.run_until_idle()
    statuses = {row(notifier_db, n).status for n in (first, second)}
    assert statuses == {"failed"}
    assert gateways.sms.calls == 1  # the second was stopped before sending
    with notifier_db.session() as session:
        assert provider_events.is_opted_out(session, "+33612345678")
    assert post(notifier_client, sms(idempotency_key="case-1:proposal:3")).status_code == 409
    dispatcher.close()


def test_ambiguous_send_is_not_resent(notifier_client: FlaskClient, notifier_db: Database,
                                      dispatcher: Dispatcher, gateways: Gateways,
                                      clock: Clock) -> None:
    notification_id = queue(notifier_client, sms())
    gateways.sms.fail_next(DeliveryError("délai dépassé à la lecture", ambiguous=True))
    dispatcher.run_until_idle()
    clock.advance(hours=1)
    dispatcher.run_until_idle()
    stored = row(notifier_db, notification_id)
    assert (stored.status, stored.possibly_sent) == ("failed", True)
    assert gateways.sms.calls == 1


def test_cancelled_is_never_sent(notifier_client: FlaskClient, dispatcher: Dispatcher,
                                 gateways: Gateways) -> None:
    notification_id = queue(notifier_client, sms())
    notifier_client.post(f"/api/v1/notifications/{notification_id}/cancel", headers=AUTH)
    assert dispatcher.run_until_idle() == 0
    assert gateways.sms.calls == 0


def test_quiet_hours_hold_sms_not_email(notifier_client: FlaskClient, notifier_db: Database,
                                        dispatcher: Dispatcher, gateways: Gateways,
                                        clock: Clock) -> None:
    clock.now = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)  # Saturday 21:30 in Paris
    sms_id, _ = queue(notifier_client, sms()), queue(notifier_client, email())
    dispatcher.run_until_idle()
    assert len(gateways.email.sent) == 1 and gateways.sms.calls == 0
    held = row(notifier_db, sms_id)
    assert held.status == "queued"
    assert held.next_attempt_at == datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # Monday 08:00
    clock.now = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)
    dispatcher.run_until_idle()
    assert gateways.sms.calls == 1


def test_not_before_is_honoured(notifier_client: FlaskClient, dispatcher: Dispatcher,
                                gateways: Gateways, clock: Clock) -> None:
    later = clock.now + timedelta(days=1)
    queue(notifier_client, email(not_before=later.isoformat()))
    dispatcher.run_until_idle()
    assert gateways.email.calls == 0
    clock.now = later
    dispatcher.run_until_idle()
    assert gateways.email.calls == 1


def test_abandoned_claim_is_resent_once_flagged(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    dispatcher = make_dispatcher(notifier_db, gateways, clock, lease=timedelta(seconds=30))
    notification_id = queue(notifier_client, sms())
    [claimed] = dispatcher.claim()  # then the process "dies" before sending
    assert row(notifier_db, notification_id).status == "sending"
    clock.advance(seconds=29)
    assert dispatcher.claim() == []
    clock.advance(seconds=2)
    assert dispatcher.run_until_idle() == 1
    stored = row(notifier_db, notification_id)
    assert (stored.status, stored.possibly_duplicated, stored.attempts) == ("sent", True, 2)
    # The dead process's late result is ignored: the row moved on.
    dispatcher.record(claimed, dispatcher.send(claimed))
    assert row(notifier_db, notification_id).attempts == 2
    with notifier_db.session() as session:
        details = session.scalars(select(NotificationEvent.detail).where(
            NotificationEvent.notification_id == notification_id)).all()
    assert any("bail expiré" in (d or "") for d in details)
    dispatcher.close()


def test_two_dispatchers_never_send_one_notification_twice(
        notifier_client: FlaskClient, notifier_db: Database, clock: Clock) -> None:
    for number in range(80):
        queue(notifier_client, email(idempotency_key=f"bulk-{number:04d}", attachments=[]))
    first, second = Gateways(FakeSmsGateway(), FakeEmailGateway(delay=0.002)), Gateways(
        FakeSmsGateway(), FakeEmailGateway(delay=0.002))
    dispatchers = [make_dispatcher(notifier_db, g, clock, batch=10, concurrency=4)
                   for g in (first, second)]
    threads = [threading.Thread(target=d.run_until_idle) for d in dispatchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = [m["X-Relais-Notification"] for m in first.email.sent + second.email.sent]
    assert len(keys) == 80 and len(set(keys)) == 80
    assert first.email.sent and second.email.sent  # both took part
    with notifier_db.session() as session:
        statuses = set(session.scalars(select(Notification.status)))
    assert statuses == {"sent"}
    for d in dispatchers:
        d.close()


def test_unexpected_gateway_bug_is_retried(notifier_client: FlaskClient,
                                           notifier_db: Database, dispatcher: Dispatcher,
                                           gateways: Gateways) -> None:
    notification_id = queue(notifier_client, sms())
    gateways.sms.fail_next(RuntimeError("bug"))
    dispatcher.run_until_idle()
    stored = row(notifier_db, notification_id)
    assert stored.status == "queued" and "RuntimeError" in (stored.last_error or "")


def test_provider_status_updates(notifier_client: FlaskClient, notifier_db: Database,
                                 dispatcher: Dispatcher, clock: Clock) -> None:
    notification_id = queue(notifier_client, sms())
    dispatcher.run_until_idle()
    provider_id = row(notifier_db, notification_id).provider_id
    assert provider_id
    with notifier_db.session() as session:
        assert provider_events.record_provider_status(
            session, provider_id, "sent", None, clock.now)
        assert provider_events.record_provider_status(
            session, provider_id, "delivered", None, clock.now)
        assert provider_events.record_provider_status(
            session, provider_id, "delivered", None, clock.now)  # repeated
        assert provider_events.record_provider_status(
            session, provider_id, "failed", "30003", clock.now)  # late: final kept
        assert not provider_events.record_provider_status(
            session, "SMunknown", "delivered", None, clock.now)
    detail = notifier_client.get(f"/api/v1/notifications/{notification_id}", headers=AUTH).json
    assert detail["status"] == "delivered"
    assert [e["status"] for e in detail["history"]] == ["queued", "sent", "delivered"]


def test_provider_21610_records_opt_out(notifier_client: FlaskClient, notifier_db: Database,
                                        dispatcher: Dispatcher, clock: Clock) -> None:
    notification_id = queue(notifier_client, sms())
    dispatcher.run_until_idle()
    provider_id = row(notifier_db, notification_id).provider_id
    assert provider_id
    with notifier_db.session() as session:
        provider_events.record_provider_status(session, provider_id, "undelivered", "21610",
                                               clock.now)
    with notifier_db.session() as session:
        assert provider_events.is_opted_out(session, "+33612345678")
        provider_events.record_opt_in(session, "+33612345678", "sms_keyword", clock.now)
    with notifier_db.session() as session:
        assert not provider_events.is_opted_out(session, "+33612345678")
    stored = row(notifier_db, notification_id)
    assert (stored.status, stored.error_code) == ("undelivered", "21610")


def test_every_sms_template_goes_through(notifier_client: FlaskClient,
                                         dispatcher: Dispatcher, gateways: Gateways) -> None:
    kinds = ["liaison_information", "liaison_reminder", "reprise_scheduled"]
    for kind in kinds:
        queue(notifier_client, sms(template=kind, data=EXAMPLES[kind],
                                   idempotency_key=f"tpl-{kind}"))
    dispatcher.run_until_idle()
    assert len(gateways.sms.sent) == 3
    assert all("{{" not in s.body for s in gateways.sms.sent)


def test_a_batch_of_successes_is_recorded_row_by_row_behind_its_fence(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    from sqlalchemy import update

    from services.notifier.service_layer.dispatch import Attempt

    dispatcher = make_dispatcher(notifier_db, gateways, clock)
    ids = [queue(notifier_client, sms(to=f"06 12 34 56 {n:02d}", idempotency_key=f"fence-key-{n}"))
           for n in range(3)]
    claimed = dispatcher.claim()
    assert sorted(c.id for c in claimed) == sorted(ids)
    taken_over = claimed[1]
    with notifier_db.session() as session:  # another dispatcher took this one over
        session.execute(update(Notification).where(Notification.id == taken_over.id)
                        .values(attempts=Notification.attempts + 1))
    dispatcher.record_all([(c, Attempt(provider_id=f"SM{n:032d}"))
                           for n, c in enumerate(claimed)])
    for n, item in enumerate(claimed):
        stored = row(notifier_db, item.id)
        with notifier_db.session() as session:
            history = session.scalars(select(NotificationEvent).where(
                NotificationEvent.notification_id == item.id)
                .order_by(NotificationEvent.id)).all()
        if item is taken_over:
            assert (stored.status, stored.provider_id, stored.sent_at) == ("sending", None, None)
            assert [e.status for e in history] == ["queued"]
        else:
            assert (stored.status, stored.provider_id) == ("sent", f"SM{n:032d}")
            assert stored.sent_at == clock.now and stored.updated_at == clock.now
            assert [(e.status, e.attempt, e.detail) for e in history][-1] == (
                "sent", 1, "accepté par le fournisseur")
            assert len(history) == 2
    dispatcher.close()


class _SlowFirst(FakeSmsGateway):
    """Holds the send to one number until every other message has gone; counts, at
    each send, the notifications claimed (``sending``) in the database."""

    def __init__(self, db: Database, slow_to: str, others: int) -> None:
        super().__init__()
        self.db, self.slow_to, self.others = db, slow_to, others
        self.others_sent = threading.Event()
        self.claimed_seen: list[int] = []

    def send(self, *, to: str, body: str, status_callback: str | None,
             idempotency_key: str) -> Any:
        from sqlalchemy import func

        with self.db.session() as session:
            claimed = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.status == "sending"))
        with self.script.lock:
            self.claimed_seen.append(int(claimed or 0))
        if to == self.slow_to:
            assert self.others_sent.wait(20), "the slow send held the others back"
        result = super().send(to=to, body=body, status_callback=status_callback,
                              idempotency_key=idempotency_key)
        if len(self.sent) == self.others:
            self.others_sent.set()
        return result


def test_a_slow_send_does_not_hold_the_others_and_the_window_is_bounded(
        notifier_client: FlaskClient, notifier_db: Database, gateways: Gateways,
        clock: Clock) -> None:
    slow = "+33612340000"
    ids = [queue(notifier_client, sms(to=slow, idempotency_key="slow-key-0"))]
    clock.advance(seconds=1)  # claimed first: the oldest due
    ids += [queue(notifier_client, sms(to=f"+336123400{n:02d}", idempotency_key=f"fast-key-{n}"))
            for n in range(1, 25)]
    gateways.sms = _SlowFirst(notifier_db, slow, others=24)
    clock.advance(seconds=1)
    dispatcher = make_dispatcher(notifier_db, gateways, clock, batch=8, concurrency=4)
    assert dispatcher.run_until_idle() == 25
    dispatcher.close()
    assert [s.to for s in gateways.sms.sent][-1] == slow
    assert all(row(notifier_db, i).status == "sent" for i in ids)
    # Claimed and not yet recorded: never more than a batch (a crash leaves no more).
    assert max(gateways.sms.claimed_seen) <= 8


def test_a_claim_failing_while_sends_are_in_flight_still_records_them(
        notifier_client: FlaskClient, notifier_db: Database, clock: Clock) -> None:
    gateways = Gateways(sms=FakeSmsGateway(delay=0.05))
    ids = [queue(notifier_client, sms(to=f"+336123450{n:02d}", idempotency_key=f"flight-key-{n}"))
           for n in range(6)]
    # Two senders for a window of four: the second claim comes while two are out.
    dispatcher = make_dispatcher(notifier_db, gateways, clock, batch=4, concurrency=2)
    claim, calls = dispatcher._claim, []

    def flaky(limit: int | None = None) -> Any:
        calls.append(limit)
        if len(calls) == 2:
            raise RuntimeError("base de données indisponible")
        return claim(limit)

    dispatcher._claim = flaky  # type: ignore[method-assign]
    assert dispatcher.run_until_idle() == 4
    dispatcher.close()
    statuses = [row(notifier_db, i).status for i in ids]
    assert sorted(statuses) == ["queued"] * 2 + ["sent"] * 4  # none left "sending"
    assert len(gateways.sms.sent) == 4
