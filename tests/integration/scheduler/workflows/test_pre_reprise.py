"""Pré-reprise: the employee is told, asks; the employer never sees it without consent."""

from __future__ import annotations

from flask import Flask

from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.entrypoints.worker import daily
from services.scheduler.service_layer import api_keys
from shared.web import database
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import Case, make_case, templates


def _employer_key(app: Flask, spst: Tenant, employer_id: int) -> Tenant:
    with database(app).session() as session:
        issued = api_keys.issue(KeyRepository(session), spst.spst_id, "RH",
                                employer_id=employer_id)
    return Tenant(spst.spst_id, issued.secret, app.test_client())


def _requested(spst: Tenant) -> tuple[Case, int]:
    case = make_case(spst)
    answer = spst.post(f"/api/v1/employees/{case.employee_id}/pre-reprise", {})
    assert answer.status_code == 201, answer.json
    return case, int(answer.json["id"])


def test_daily_sweep_informs_the_employee_once(wf_app: Flask, spst: Tenant) -> None:
    make_case(spst)
    daily(wf_app)
    daily(wf_app)
    sent = [t for t in templates(wf_app) if t[0] == "pre_reprise_information"]
    assert sent == [("pre_reprise_information", "sms", "+33612345678")]


def test_the_request_goes_to_the_spst_only(wf_app: Flask, spst: Tenant) -> None:
    _requested(spst)
    assert templates(wf_app) == [("pre_reprise_request", "email",
                                  "planification@spst-alpha.fr")]


def test_an_employer_key_cannot_see_or_request_it(wf_app: Flask, spst: Tenant) -> None:
    case, procedure_id = _requested(spst)
    employer = _employer_key(wf_app, spst, case.employer_id)
    listing = employer.get(f"/api/v1/employees/{case.employee_id}/procedures")
    assert listing.status_code == 200 and listing.json["items"] == []
    assert employer.get(f"/api/v1/procedures/{procedure_id}").status_code == 404
    refused = employer.post(f"/api/v1/employees/{case.employee_id}/pre-reprise", {})
    assert refused.status_code == 403
    consent = employer.post(f"/api/v1/procedures/{procedure_id}/consent",
                            {"share_with_employer": True})
    assert consent.status_code in (403, 404)
    assert employer.get("/api/v1/settings").status_code == 403
    assert employer.get("/api/v1/dashboard").status_code == 403


def test_an_employer_key_sees_it_once_the_employee_consents(wf_app: Flask,
                                                           spst: Tenant) -> None:
    case, procedure_id = _requested(spst)
    employer = _employer_key(wf_app, spst, case.employer_id)
    shared = spst.post(f"/api/v1/procedures/{procedure_id}/consent",
                       {"share_with_employer": True})
    assert shared.status_code == 200 and shared.json["share_with_employer"] is True
    assert employer.get(f"/api/v1/procedures/{procedure_id}").status_code == 200


def test_an_employer_key_sees_only_its_employer(wf_app: Flask, spst: Tenant) -> None:
    mine, other = make_case(spst), make_case(spst)
    employer = _employer_key(wf_app, spst, mine.employer_id)
    assert employer.get(f"/api/v1/employees/{mine.employee_id}").status_code == 200
    assert employer.get(f"/api/v1/employees/{other.employee_id}").status_code == 404
    assert employer.get(f"/api/v1/employees/{other.employee_id}/procedures").status_code == 404
    ids = [e["id"] for e in employer.get("/api/v1/employees").json["items"]]
    assert ids == [mine.employee_id]


PROCEDURE_ROUTES = [
    ("GET", "", None),
    ("POST", "/answer", {"accept": True}),
    ("POST", "/confirm", {"starts_at": "2025-04-16T10:00:00+02:00"}),
    ("POST", "/reschedule", {"starts_at": "2025-04-16T10:00:00+02:00"}),
    ("POST", "/cancel", None),
    ("POST", "/appointment", {"starts_at": "2025-04-16T10:00:00+02:00"}),
    ("POST", "/consent", {"share_with_employer": True}),
]


def test_an_employer_key_learns_nothing_of_a_request_not_shared(wf_app: Flask,
                                                                spst: Tenant) -> None:
    """Every route answers for the hidden procedure exactly as for one that does not exist."""
    case, procedure_id = _requested(spst)
    employer = _employer_key(wf_app, spst, case.employer_id)
    unknown = 2**31 - 1
    for method, path, body in PROCEDURE_ROUTES:
        hidden = employer.send(method, f"/api/v1/procedures/{procedure_id}{path}", body)
        missing = employer.send(method, f"/api/v1/procedures/{unknown}{path}", body)
        assert hidden.status_code in (403, 404), (path, hidden.json)
        assert (hidden.status_code, hidden.json) == (missing.status_code, missing.json), path
    # The employee's listing, even with another procedure in it, leaves it out.
    opened = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {})
    assert opened.status_code == 201, opened.json
    items = employer.get(f"/api/v1/employees/{case.employee_id}/procedures").json["items"]
    assert [p["kind"] for p in items] == ["liaison"]
    # Nothing was changed by the employer's attempts.
    row = spst.get(f"/api/v1/procedures/{procedure_id}").json
    assert (row["state"], row["share_with_employer"]) == ("requested", False)


def test_the_information_alone_is_hidden_too(wf_app: Flask, spst: Tenant) -> None:
    case = make_case(spst)
    daily(wf_app)  # opens the liaison meeting and tells the employee of the pré-reprise
    listing = spst.get(f"/api/v1/employees/{case.employee_id}/procedures").json["items"]
    [informed] = [p for p in listing if p["kind"] == "pre_reprise"]
    assert informed["state"] == "informed"
    employer = _employer_key(wf_app, spst, case.employer_id)
    seen = employer.get(f"/api/v1/employees/{case.employee_id}/procedures").json["items"]
    assert [p["kind"] for p in seen] == ["liaison"]
    assert employer.get(f"/api/v1/procedures/{informed['id']}").status_code == 404


def test_a_withdrawn_consent_hides_it_again(wf_app: Flask, spst: Tenant) -> None:
    case, procedure_id = _requested(spst)
    employer = _employer_key(wf_app, spst, case.employer_id)
    spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"share_with_employer": True})
    assert employer.get(f"/api/v1/procedures/{procedure_id}").status_code == 200
    spst.post(f"/api/v1/procedures/{procedure_id}/consent", {"share_with_employer": False})
    assert employer.get(f"/api/v1/procedures/{procedure_id}").status_code == 404
    assert employer.get(f"/api/v1/employees/{case.employee_id}/procedures").json[
        "items"] == []
