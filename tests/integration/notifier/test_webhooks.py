"""Twilio's webhooks on a real notifier app and a migrated SQLite database."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from services.notifier.adapters.fakes import FakeSmsGateway
from services.notifier.adapters.gateways import DeliveryError, SendResult
from services.notifier.adapters.orm import Notification, OutboxMessage
from services.notifier.domain.kinds import EXAMPLES
from services.notifier.service_layer import provider_events
from shared.web import database
from tests.integration.notifier.conftest import AUTH, Clock, Gateways, make_dispatcher

TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://relais.example.fr"
STATUS_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/inbound"
PHONE = "+33612345678"
SID = "SM" + "1" * 32


@pytest.fixture
def app(notifier_app: Flask) -> Flask:
    """The notifier on both backends, with a Twilio token and a public https URL.

    The webhooks read these settings on each request, so tests may change them.
    """
    notifier_app.config.update(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=PUBLIC)
    return notifier_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def post(client: FlaskClient, path: str, form: dict[str, str], *, signed_url: str | None = None,
         signature: str | None = None, query: str = "") -> TestResponse:
    target = path + (f"?{query}" if query else "")
    headers = {}
    if signature is None:
        signature = sign(signed_url or PUBLIC + target, form)
    if signature:
        headers["X-Twilio-Signature"] = signature
    return client.post(target, data=form, headers=headers)


def add_notification(app: Flask, status: str = "sent", provider_id: str | None = SID) -> str:
    now = datetime.now(UTC)
    notification_id = str(uuid.uuid4())
    with database(app).session() as session:
        session.add(Notification(
            id=notification_id, idempotency_key=f"k-{notification_id}", fingerprint="f" * 64,
            channel="sms", recipient=PHONE, template="reminder", locale="fr", data={},
            body="Bonjour", attachments=[], next_attempt_at=now, status=status, attempts=1,
            provider_id=provider_id, created_at=now, updated_at=now, sent_at=now,
        ))
    return notification_id


def status_of(app: Flask, notification_id: str) -> tuple[str, str | None]:
    with database(app).session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        return row.status, row.error_code


def status_form(status: str, sid: str = SID, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status,
            "AccountSid": "AC" + "0" * 32, "To": PHONE, "From": "+33700000001",
            "ApiVersion": "2010-04-01", **extra}


def inbound_form(body: str, phone: str = PHONE, sid: str = "SM" + "2" * 32) -> dict[str, str]:
    return {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
            "From": phone, "To": "+33700000001", "Body": body, "NumMedia": "0",
            "FromCountry": "FR"}


def replies(app: Flask) -> list[dict[str, Any]]:
    with database(app).session() as session:
        return [m.payload for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "reply"))]


def opted_out(app: Flask, phone: str = PHONE) -> bool:
    with database(app).session() as session:
        return provider_events.is_opted_out(session, phone)


# --- status callbacks ------------------------------------------------------------------


def test_status_is_recorded_idempotently_and_never_leaves_a_final_state(
        app: Flask, client: FlaskClient) -> None:
    notification_id = add_notification(app)
    response = post(client, STATUS_PATH, status_form("delivered"))
    assert response.status_code == 200 and response.json == {"status": "recorded"}
    assert status_of(app, notification_id)[0] == "delivered"
    for again in ("delivered", "sent", "failed", "undelivered"):
        assert post(client, STATUS_PATH, status_form(again)).status_code == 200
    assert status_of(app, notification_id)[0] == "delivered"


def test_undelivered_with_error_code(app: Flask, client: FlaskClient) -> None:
    notification_id = add_notification(app)
    response = post(client, STATUS_PATH, status_form("undelivered", ErrorCode="30006"))
    assert response.status_code == 200
    assert status_of(app, notification_id) == ("undelivered", "30006")


def test_21610_in_a_status_records_the_opt_out(app: Flask, client: FlaskClient) -> None:
    add_notification(app)
    assert post(client, STATUS_PATH, status_form("failed", ErrorCode="21610")).status_code == 200
    assert opted_out(app)


def test_unknown_sid_is_acknowledged(client: FlaskClient) -> None:
    response = post(client, STATUS_PATH, status_form("delivered", sid="SM" + "9" * 32))
    assert response.status_code == 200 and response.json == {"status": "ignored"}


def test_query_string_is_part_of_the_signed_url(app: Flask, client: FlaskClient) -> None:
    notification_id = add_notification(app)
    assert post(client, STATUS_PATH, status_form("delivered"), query="n=42").status_code == 200
    assert status_of(app, notification_id)[0] == "delivered"


def test_behind_a_tls_proxy_with_a_path_prefix(app: Flask, client: FlaskClient) -> None:
    """Twilio signs the public https URL; Flask sees http://localhost/..."""
    app.config["PUBLIC_BASE_URL"] = "https://gw.example.fr/notifier/"
    notification_id = add_notification(app)
    signed = "https://gw.example.fr/notifier" + STATUS_PATH
    assert post(client, STATUS_PATH, status_form("delivered"),
                signed_url=signed).status_code == 200
    assert status_of(app, notification_id)[0] == "delivered"


# --- a status that overtakes the dispatcher's record of the send -----------------------


class CallbackFirstGateway(FakeSmsGateway):
    """Twilio accepts the message and its status callback arrives before ``send`` returns."""

    def __init__(self, client: FlaskClient, status: str) -> None:
        super().__init__()
        self.client, self.status = client, status
        self.answers: list[TestResponse] = []

    def send(self, *, to: str, body: str, status_callback: str | None,
             idempotency_key: str) -> SendResult:
        super().send(to=to, body=body, status_callback=status_callback,
                     idempotency_key=idempotency_key)
        assert status_callback is not None and status_callback.startswith(PUBLIC + STATUS_PATH)
        sid = "SM" + uuid.uuid4().hex
        self.answers.append(post(self.client, STATUS_PATH, status_form(self.status, sid=sid),
                                 query=urlsplit(status_callback).query))
        return SendResult(provider_id=sid, status="queued")


def _queue_sms(client: FlaskClient) -> str:
    answer = client.post("/api/v1/notifications", headers=AUTH, json={
        "channel": "sms", "to": PHONE, "template": "liaison_reminder",
        "data": EXAMPLES["liaison_reminder"], "idempotency_key": f"early-{uuid.uuid4()}"})
    assert answer.status_code == 202, answer.json
    return str(answer.json["id"])


@pytest.mark.parametrize(("reported", "final"), [("delivered", "delivered"), ("sent", "sent"),
                                                  ("undelivered", "undelivered")])
def test_a_status_before_the_send_is_recorded_is_kept(
        app: Flask, client: FlaskClient, clock: Clock, reported: str, final: str) -> None:
    notification_id = _queue_sms(client)
    gateway = CallbackFirstGateway(client, reported)
    dispatcher = make_dispatcher(database(app), Gateways(sms=gateway), clock,
                                 status_callback_url=PUBLIC + STATUS_PATH)
    try:
        assert dispatcher.run_until_idle() == 1
        [answer] = gateway.answers
        assert answer.status_code == 200 and answer.json == {"status": "recorded"}
        clock.advance(minutes=30)  # well past the lease: a sent row is not claimed again
        assert dispatcher.run_until_idle() == 0
    finally:
        dispatcher.close()
    assert len(gateway.sent) == 1
    with database(app).session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        assert (row.status, row.attempts) == (final, 1)
        assert row.provider_id is not None and row.provider_id.startswith("SM")
        assert row.sent_at is not None
    history = client.get(f"/api/v1/notifications/{notification_id}", headers=AUTH).json
    assert history["provider_id"] == row.provider_id
    assert [e["status"] for e in history["history"]][-1] == final


def test_an_overtaken_second_attempt_keeps_no_error_of_the_first(
        app: Flask, client: FlaskClient, clock: Clock) -> None:
    notification_id = _queue_sms(client)
    gateway = CallbackFirstGateway(client, "delivered")
    gateway.fail_next(DeliveryError("HTTP 503", code="503"))
    dispatcher = make_dispatcher(database(app), Gateways(sms=gateway), clock,
                                 status_callback_url=PUBLIC + STATUS_PATH)
    try:
        assert dispatcher.run_until_idle() == 1  # attempt 1: 503, back in the queue
        clock.advance(minutes=10)
        assert dispatcher.run_until_idle() == 1  # attempt 2: overtaken by its status
    finally:
        dispatcher.close()
    assert [a.json for a in gateway.answers] == [{"status": "recorded"}]
    with database(app).session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None
        assert (row.status, row.attempts, row.last_error, row.error_code) == (
            "delivered", 2, None, None)


def test_a_status_about_another_attempt_is_not_applied(app: Flask, client: FlaskClient,
                                                       clock: Clock) -> None:
    notification_id = add_notification(app, status="sending", provider_id=None)
    query = f"notification={notification_id}&attempt=2"  # the row is at attempt 1
    answer = post(client, STATUS_PATH, status_form("delivered"), query=query)
    assert answer.status_code == 200 and answer.json == {"status": "ignored"}
    with database(app).session() as session:
        row = session.get(Notification, notification_id)
        assert row is not None and (row.status, row.provider_id) == ("sending", None)


@pytest.mark.parametrize(("query", "field"), [
    ("notification=42&attempt=1", "notification"),
    (f"notification={uuid.uuid4()}", "attempt"),
    (f"notification={uuid.uuid4()}&attempt=0", "attempt"),
    ("attempt=1", "notification"),
])
def test_a_malformed_send_reference_is_a_400_naming_it(client: FlaskClient, query: str,
                                                       field: str) -> None:
    answer = post(client, STATUS_PATH, status_form("delivered"), query=query)
    assert answer.status_code == 400
    assert answer.json is not None and answer.json["error"]["field"] == field


@pytest.mark.parametrize("case", ["missing", "wrong token", "other url", "tampered", "garbage"])
def test_bad_signatures_get_403_and_nothing_is_recorded(
        app: Flask, client: FlaskClient, case: str) -> None:
    notification_id = add_notification(app)
    form = status_form("delivered")
    signature = {
        "missing": "",
        "wrong token": sign(PUBLIC + STATUS_PATH, form, token="not-the-token"),
        "other url": sign("https://evil.example" + STATUS_PATH, form),
        "tampered": sign(PUBLIC + STATUS_PATH, status_form("failed")),
        "garbage": "bm90IGEgc2lnbmF0dXJl",
    }[case]
    response = post(client, STATUS_PATH, form, signature=signature)
    assert response.status_code == 403
    assert response.json is not None and response.json["error"]["code"] == "invalid_signature"
    assert status_of(app, notification_id)[0] == "sent"
    inbound = post(client, INBOUND_PATH, inbound_form("STOP"), signature=signature or "")
    assert inbound.status_code == 403
    assert not opted_out(app) and replies(app) == []


def test_without_auth_token_webhooks_are_refused(app: Flask, client: FlaskClient) -> None:
    app.config["TWILIO_AUTH_TOKEN"] = None
    for path, form in ((STATUS_PATH, status_form("delivered")), (INBOUND_PATH,
                                                                 inbound_form("STOP"))):
        response = post(client, path, form)
        assert response.status_code == 403
        assert response.json is not None
        assert response.json["error"]["code"] == "webhooks_disabled"
    assert not opted_out(app)


@pytest.mark.parametrize(("form", "field"), [
    ({"MessageStatus": "delivered"}, "MessageSid"),
    ({"MessageSid": "", "MessageStatus": "delivered"}, "MessageSid"),
    ({"MessageSid": "not-a-sid", "MessageStatus": "delivered"}, "MessageSid"),
    ({"MessageSid": SID}, "MessageStatus"),
    ({"MessageSid": SID, "MessageStatus": "<script>"}, "MessageStatus"),
    ({"MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "abc"}, "ErrorCode"),
])
def test_malformed_status_gets_400_naming_the_field(
        client: FlaskClient, form: dict[str, str], field: str) -> None:
    response = post(client, STATUS_PATH, form)
    assert response.status_code == 400
    assert response.json is not None and response.json["error"]["field"] == field


def test_unknown_provider_status_word_is_accepted(app: Flask, client: FlaskClient) -> None:
    """Twilio adds statuses without notice: acknowledged, state unchanged."""
    notification_id = add_notification(app)
    assert post(client, STATUS_PATH, status_form("partially_delivered")).status_code == 200
    assert status_of(app, notification_id)[0] == "sent"


def test_database_failure_is_a_503_not_a_500(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(provider_events, "record_provider_status", broken)
    response = post(client, STATUS_PATH, status_form("delivered"))
    assert response.status_code == 503
    assert response.json is not None and response.json["error"]["code"] == "unavailable"


# --- inbound SMS -----------------------------------------------------------------------


def twiml(response: TestResponse) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("body", "answer"), [("Oui.", "yes"), ("o", "yes"), ("1", "yes"),
                                              ("NON !", "no"), ("n", "no")])
def test_answers_are_queued_for_the_scheduler(app: Flask, client: FlaskClient, body: str,
                                              answer: str) -> None:
    text = twiml(post(client, INBOUND_PATH, inbound_form(body)))
    assert "<Message>" not in text
    [reply] = replies(app)
    assert reply["phone"] == PHONE and reply["answer"] == answer


def test_a_retried_inbound_webhook_queues_one_answer(app: Flask, client: FlaskClient) -> None:
    for _ in range(2):
        twiml(post(client, INBOUND_PATH, inbound_form("oui")))
    assert len(replies(app)) == 1


def test_national_number_is_normalized(app: Flask, client: FlaskClient) -> None:
    twiml(post(client, INBOUND_PATH, inbound_form("oui", phone="06 12 34 56 78")))
    assert replies(app)[0]["phone"] == PHONE


@pytest.mark.parametrize("body", ["STOP", "ARRÊT", "stop sms"])
def test_stop_records_the_opt_out_with_an_empty_answer(
        app: Flask, client: FlaskClient, body: str) -> None:
    text = twiml(post(client, INBOUND_PATH, inbound_form(body)))
    assert "<Message" not in text  # Twilio confirms STOP itself
    assert opted_out(app) and replies(app) == []


@pytest.mark.parametrize("body", ["START", "UNSTOP", "yes"])
def test_start_after_stop_records_the_opt_in(app: Flask, client: FlaskClient, body: str) -> None:
    twiml(post(client, INBOUND_PATH, inbound_form("STOP", sid="SM" + "3" * 32)))
    assert opted_out(app)
    text = twiml(post(client, INBOUND_PATH, inbound_form(body)))
    assert "<Message" not in text
    assert not opted_out(app)
    assert replies(app) == []  # "yes" after STOP lifts the STOP, it answers nothing


@pytest.mark.parametrize("body", ["HELP", "aide", "peut-être", "👍", ""])
def test_help_and_unknown_get_a_french_help_text(app: Flask, client: FlaskClient,
                                                 body: str) -> None:
    text = twiml(post(client, INBOUND_PATH, inbound_form(body)))
    assert "<Message>" in text and "OUI ou NON" in text
    assert replies(app) == [] and not opted_out(app)


@pytest.mark.parametrize(("form", "field"), [
    ({"MessageSid": "SM" + "2" * 32, "Body": "oui"}, "From"),
    ({"MessageSid": "SM" + "2" * 32, "From": "+123", "Body": "oui"}, "From"),
    ({"MessageSid": "SM" + "2" * 32, "From": "pas un numéro", "Body": "oui"}, "From"),
    ({"From": PHONE, "Body": "oui"}, "MessageSid"),
])
def test_malformed_inbound_gets_400_naming_the_field(
        app: Flask, client: FlaskClient, form: dict[str, str], field: str) -> None:
    response = post(client, INBOUND_PATH, form)
    assert response.status_code == 400
    assert response.json is not None and response.json["error"]["field"] == field
    assert replies(app) == []


def test_phone_numbers_are_not_logged_in_clear(client: FlaskClient,
                                               caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="services.notifier.entrypoints.webhooks"):
        twiml(post(client, INBOUND_PATH, inbound_form("peut-être")))
    mine = [r.getMessage() for r in caplog.records
            if r.name == "services.notifier.entrypoints.webhooks"]
    assert mine and all(PHONE not in message for message in mine)


def test_signature_is_checked_before_the_form(client: FlaskClient) -> None:
    response = post(client, INBOUND_PATH, {"Body": "oui"}, signature="")
    assert response.status_code == 403


def test_help_text_is_one_gsm7_segment() -> None:
    from services.notifier.domain.segments import measure
    from services.notifier.entrypoints.webhooks import HELP_TEXT

    length = measure(HELP_TEXT)
    assert length.segments == 1 and length.encoding == "GSM-7"
