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
