"""``POST /internal/v1/replies``: SMS OUI/NON applied once to the latest open question."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import make_case, procedure_row

TOKEN = {"Authorization": "Bearer dev-service-token"}


def _reply(app: Flask, answer: str, key: str, phone: str = "+33612345678") -> Any:
    return app.test_client().post("/internal/v1/replies", headers=TOKEN, json={
        "phone": phone, "answer": answer, "received_at": "2025-04-07T10:00:00+02:00",
        "idempotency_key": key})


def _liaison(spst: Tenant) -> int:
    case = make_case(spst)
    return int(spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {}).json["id"])


def test_yes_accepts_the_liaison(wf_app: Flask, spst: Tenant) -> None:
    procedure_id = _liaison(spst)
    answer = _reply(wf_app, "yes", "reply:0001")
    assert answer.status_code == 200
    assert answer.json == {"status": "applied", "procedure_id": procedure_id}
    row = procedure_row(wf_app, procedure_id)
    assert row.state == "accepted" and str(row.requested_on) == "2025-04-07"


def test_the_same_reply_twice_is_applied_once(wf_app: Flask, spst: Tenant) -> None:
    procedure_id = _liaison(spst)
    _reply(wf_app, "no", "reply:0002")
    again = _reply(wf_app, "no", "reply:0002")
    assert again.json["status"] == "duplicate"
    assert procedure_row(wf_app, procedure_id).state == "refused"


def test_no_refuses(wf_app: Flask, spst: Tenant) -> None:
    procedure_id = _liaison(spst)
    _reply(wf_app, "no", "reply:0003")
    assert procedure_row(wf_app, procedure_id).state == "refused"


def test_unknown_phone_is_acknowledged(wf_app: Flask, spst: Tenant) -> None:
    answer = _reply(wf_app, "yes", "reply:0004", phone="+33700000000")
    assert answer.status_code == 202 and answer.json["status"] == "unknown_phone"


def test_the_service_token_is_required(wf_app: Flask) -> None:
    answer = wf_app.test_client().post("/internal/v1/replies", json={})
    assert answer.status_code == 401


def test_bad_input_names_the_field(wf_app: Flask) -> None:
    answer = wf_app.test_client().post("/internal/v1/replies", headers=TOKEN, json={
        "phone": "+33612345678", "answer": "peut-être", "idempotency_key": "reply:0005"})
    assert answer.status_code == 422 and answer.json["error"]["field"] == "answer"
