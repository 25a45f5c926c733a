"""``/api/v1/notifications``: request, idempotency, validation, reading, cancelling.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from services.notifier.adapters.orm import Notification
from services.notifier.domain.kinds import EXAMPLES
from services.notifier.service_layer.provider_events import record_opt_out
from shared.db import Database
from tests.integration.notifier.conftest import AUTH, WORKING_HOURS

ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def sms(**overrides: Any) -> dict[str, Any]:
    return {"channel": "sms", "to": "06 12 34 56 78", "template": "liaison_proposal",
            "data": EXAMPLES["liaison_proposal"], "idempotency_key": "case-1:proposal:1",
            **overrides}


def email(**overrides: Any) -> dict[str, Any]:
    return {"channel": "email", "to": "marie.durand@example.fr",
            "template": "liaison_confirmed", "data": EXAMPLES["liaison_confirmed"],
            "idempotency_key": "case-1:confirmed:1",
            "attachments": [{"filename": "invite.ics",
                             "content_type": "text/calendar; method=REQUEST", "content": ICS}],
            **overrides}


def post(client: FlaskClient, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/notifications", json=body, headers=AUTH)


def count(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Notification)) or 0)


def test_sms_is_queued_and_committed_before_the_answer(
        notifier_client: FlaskClient, notifier_db: Database) -> None:
    answer = post(notifier_client, sms())
    assert answer.status_code == 202
    assert answer.json["status"] == "queued"
    assert answer.headers["Location"].endswith(answer.json["id"])
    with notifier_db.session() as session:
        row = session.get(Notification, answer.json["id"])
        assert row is not None
        assert row.recipient == "+33612345678"
        assert row.segments == 2
        assert "14 h 30" in row.body


def test_email_with_an_invite(notifier_client: FlaskClient) -> None:
    answer = post(notifier_client, email())
    assert answer.status_code == 202
    detail = notifier_client.get(f"/api/v1/notifications/{answer.json['id']}", headers=AUTH)
    assert detail.status_code == 200
    body = detail.json
    assert body["to"] == "marie.durand@example.fr"
    assert body["status"] == "queued" and body["attempts"] == 0
    assert body["provider_id"] is None and body["last_error"] is None
    assert [e["status"] for e in body["history"]] == ["queued"]


def test_same_key_gives_the_same_notification(
        notifier_client: FlaskClient, notifier_db: Database) -> None:
    first = post(notifier_client, sms())
    again = post(notifier_client, sms(to="+33612345678"))  # same number, written differently
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json["id"] == first.json["id"]
    assert count(notifier_db) == 1


def test_same_key_for_another_request_is_a_conflict(notifier_client: FlaskClient) -> None:
    post(notifier_client, sms())
    answer = post(notifier_client, sms(to="0698765432"))
    assert answer.status_code == 409
    assert answer.json["error"]["field"] == "idempotency_key"


@pytest.mark.postgres
def test_concurrent_posts_with_one_key_make_one_notification(
        notifier_app: Flask, notifier_db: Database, db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL")
    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(12)

    def one() -> None:
        client = notifier_app.test_client()
        barrier.wait()
        answer = post(client, sms(idempotency_key="race-key-0001"))
        answers.append((answer.status_code, answer.json["id"]))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id_ for _, id_ in answers}) == 1
    assert sorted(code for code, _ in answers).count(202) == 1
    assert {code for code, _ in answers} <= {200, 202}
    assert count(notifier_db) == 1


@pytest.mark.parametrize(("body", "field"), [
    (sms(to="06 12"), "to"),
    (sms(to="bonjour"), "to"),
    (email(to="marie@"), "to"),
    (sms(channel="fax"), "channel"),
    (sms(template="inconnu"), "template"),
    (sms(template="reprise_referral"), "template"),  # no SMS for that kind
    (sms(data={"name": "Marie"}), "data"),
    (sms(data="texte"), "data"),
    (sms(locale="en"), "locale"),
    (sms(not_before="2026-03-10T10:00:00"), "not_before"),
    (sms(callback_url="ftp://example.fr/x"), "callback_url"),
    (sms(attachments=email()["attachments"]), "attachments"),
    (email(attachments=[{"filename": "a.ics", "content_type": "calendar"}]),
     "attachments[0].content"),
    (email(attachments=[{"filename": "a.ics", "content_type": "text/calendar; method=CANCEL",
                         "content": ICS}]), "attachments"),  # MIME method != ICS METHOD
    (email(attachments=[{"filename": "a.ics", "content_type": "text/calendar",
                         "content": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}]), "attachments"),
    (sms(idempotency_key=None), "idempotency_key"),
    (sms(extra=1), "extra"),
])
def test_invalid_requests_name_the_field(notifier_client: FlaskClient, body: dict[str, Any],
                                         field: str) -> None:
    answer = post(notifier_client, body)
    assert answer.status_code == 422, answer.json
    fields = {answer.json["error"]["field"]} | {
        d["field"] for d in answer.json["error"].get("details", [])}
    assert field in fields, answer.json


@pytest.mark.parametrize(("body", "code"), [
    (sms(template="inconnu"), "unknown_template"),
    (sms(template="reprise_referral"), "unknown_template"),  # no SMS for that kind
    (sms(data={"name": "Marie"}), "invalid_input"),
])
def test_a_kind_without_template_has_its_own_code(notifier_client: FlaskClient,
                                                  body: dict[str, Any], code: str) -> None:
    """A caller newer than this notifier can tell "not yet known" from "wrong data"."""
    answer = post(notifier_client, body)
    assert answer.status_code == 422
    assert answer.json["error"]["code"] == code


def test_opted_out_number_is_refused_with_advice_to_use_email(
        notifier_client: FlaskClient, notifier_db: Database) -> None:
    with notifier_db.session() as session:
        record_opt_out(session, "+33612345678", "sms_keyword", WORKING_HOURS)
    answer = post(notifier_client, sms())
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "sms_opted_out"
    assert "e-mail" in answer.json["error"]["message"]


def test_service_token_is_required(notifier_client: FlaskClient) -> None:
    assert notifier_client.post("/api/v1/notifications", json=sms()).status_code == 401
    assert notifier_client.get("/api/v1/notifications/x").status_code == 401


def test_unknown_notification(notifier_client: FlaskClient) -> None:
    assert notifier_client.get("/api/v1/notifications/nope", headers=AUTH).status_code == 404
    answer = notifier_client.post("/api/v1/notifications/nope/cancel", headers=AUTH)
    assert answer.status_code == 404


def test_cancel_before_sending(notifier_client: FlaskClient) -> None:
    created = post(notifier_client, sms()).json
    path = f"/api/v1/notifications/{created['id']}/cancel"
    answer = notifier_client.post(path, headers=AUTH)
    assert answer.status_code == 200 and answer.json["status"] == "cancelled"
    assert notifier_client.post(path, headers=AUTH).status_code == 200  # harmless twice
    detail = notifier_client.get(f"/api/v1/notifications/{created['id']}", headers=AUTH).json
    assert [e["status"] for e in detail["history"]] == ["queued", "cancelled"]


def test_cancel_after_sending_is_a_conflict(
        notifier_client: FlaskClient, notifier_db: Database) -> None:
    created = post(notifier_client, sms()).json
    with notifier_db.session() as session:
        row = session.get(Notification, created["id"])
        assert row is not None
        row.status = "sent"
    answer = notifier_client.post(f"/api/v1/notifications/{created['id']}/cancel", headers=AUTH)
    assert answer.status_code == 409
    assert answer.json["error"]["code"] == "not_cancellable"


def test_openapi_documents_the_routes(notifier_client: FlaskClient) -> None:
    paths = notifier_client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/notifications" in paths
    assert paths["/api/v1/notifications"]["post"]["security"] == [{"service": []}]
    assert "/api/v1/notifications/{notification_id}/cancel" in paths


def test_dev_outbox_is_hidden_outside_development(notifier_client: FlaskClient) -> None:
    assert notifier_client.get("/dev/outbox").status_code == 404
