"""Tenant isolation: SPST B's key on SPST A's objects, on every cases route.

The walk covers every rule of the cases blueprints; a route added without an
entry in :data:`EXPECTED` fails the test, so isolation is decided for each new
route. Another SPST's row answers 404, exactly like a missing one (its
existence is not revealed), and nothing of A's changes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.integration.scheduler.conftest import Tenant

# (method, rule) -> (body, expected status)
EXPECTED: dict[tuple[str, str], tuple[dict[str, Any] | None, int]] = {
    ("GET", "/api/v1/employers/<int:employer_id>"): (None, 404),
    ("PATCH", "/api/v1/employers/<int:employer_id>"): ({"name": "Piraté"}, 404),
    ("GET", "/api/v1/employees/<int:employee_id>"): (None, 404),
    ("PATCH", "/api/v1/employees/<int:employee_id>"): ({"last_name": "Piraté"}, 404),
    ("POST", "/api/v1/employees/<int:employee_id>/return"): ({"return_date": "2025-06-02"}, 404),
    ("GET", "/api/v1/employees/<int:employee_id>/obligations"): (None, 404),
    ("GET", "/api/v1/employees/<int:employee_id>/arrets"): (None, 404),
    ("POST", "/api/v1/employees/<int:employee_id>/arrets"): (
        {"cause": "maladie", "start": "2025-07-01", "end": "2025-07-31"}, 404),
    ("GET", "/api/v1/arrets/<int:arret_id>"): (None, 404),
    ("PATCH", "/api/v1/arrets/<int:arret_id>"): ({"end": "2025-06-30"}, 404),
    ("DELETE", "/api/v1/arrets/<int:arret_id>"): (None, 404),
    # Routes without an id of A's: they only ever see B's own data.
    ("GET", "/api/v1/employers"): (None, 200),
    ("GET", "/api/v1/employees"): (None, 200),
    ("POST", "/api/v1/employees"): (
        {"employer_id": "A", "first_name": "Intrus", "last_name": "B", "phone": "0612345678"},
        422),
    ("POST", "/api/v1/employers"): (
        {"name": "Même entreprise, autre SPST", "siret": "A", "headcount": 3}, 201),
}


def _snapshot(tenant: Tenant, ids: dict[str, int]) -> list[Any]:
    employee = ids["employee_id"]
    return [
        tenant.get("/api/v1/employers").json,
        tenant.get("/api/v1/employees").json,
        tenant.get(f"/api/v1/employees/{employee}/arrets").json,
        tenant.get(f"/api/v1/employees/{employee}/obligations?as_of=2025-05-15").json,
    ]


def test_another_spst_sees_and_changes_nothing(scheduler_app: Flask, tenant_a: Tenant,
                                               tenant_b: Tenant) -> None:
    employer = tenant_a.employer()
    employee = tenant_a.employee(employer["id"])
    arret = tenant_a.arret(employee["id"], start="2025-03-03", end="2025-05-31")
    ids = {"employer_id": employer["id"], "employee_id": employee["id"], "arret_id": arret["id"]}
    before = _snapshot(tenant_a, ids)

    rules = [r for r in scheduler_app.url_map.iter_rules() if r.endpoint.startswith("cases.")]
    walked = set()
    for rule in rules:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            key = (method, rule.rule)
            assert key in EXPECTED, f"route sans décision d'isolement : {key}"
            walked.add(key)
            body, status = EXPECTED[key]
            if body is not None:
                body = {k: employer["id"] if v == "A" and k == "employer_id" else
                        employer["siret"] if v == "A" else v for k, v in body.items()}
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", str(ids[name]))
            answer = tenant_b.send(method, url, json=body)
            assert answer.status_code == status, (key, answer.json)
            if status == 404:
                assert answer.json["error"]["code"] == "not_found"
            if method == "GET" and status == 200:
                seen = {item["id"] for item in answer.json["items"]}
                assert not seen & {employer["id"], employee["id"]}, key
    assert walked == set(EXPECTED)

    refused = tenant_b.post("/api/v1/employees", {
        "employer_id": employer["id"], "first_name": "I", "last_name": "B", "phone": "0612345678"})
    assert refused.json["error"]["field"] == "employer_id"
    filtered = tenant_b.get(f"/api/v1/employees?employer_id={employer['id']}")
    assert filtered.json["items"] == []
    assert _snapshot(tenant_a, ids) == before


def test_a_missing_row_and_another_spsts_row_answer_alike(tenant_a: Tenant,
                                                          tenant_b: Tenant) -> None:
    employer = tenant_a.employer()
    theirs = tenant_b.get(f"/api/v1/employers/{employer['id']}")
    missing = tenant_b.get("/api/v1/employers/999999")
    assert (theirs.status_code, theirs.json) == (missing.status_code, missing.json)
