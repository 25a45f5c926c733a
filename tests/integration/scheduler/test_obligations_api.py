"""``GET /employees/{id}/obligations`` answers what ``POST /evaluate`` does for the same facts."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.scheduler.conftest import Tenant

SCENARIOS: list[dict[str, Any]] = [
    {   # sickness with a prolongation, return recorded, Alsace-Moselle, branch age 50
        "employer": {"region": "alsace-moselle", "headcount": 300, "mid_career_age": 50},
        "birth_date": "1975-06-15",
        "arrets": [("maladie", "2025-01-06", "2025-02-14"),
                   ("maladie", "2025-02-15", "2025-03-10")],
        "return_date": "2025-03-12",
        "as_of": ["2025-02-20", "2025-03-12", "2025-03-25"],
    },
    {   # work accident, no return yet, no birth date
        "employer": {"headcount": 12},
        "birth_date": None,
        "arrets": [("accident_travail", "2025-06-02", "2025-07-01")],
        "return_date": None,
        "as_of": ["2025-06-10", "2025-07-02"],
    },
    {   # discontinuous arrêts of different causes
        "employer": {"headcount": 0},
        "birth_date": "1980-02-29",
        "arrets": [("maladie", "2024-09-02", "2024-09-20"),
                   ("accident_trajet", "2025-01-06", "2025-01-20"),
                   ("maternite", "2025-04-01", "2025-07-20")],
        "return_date": "2025-07-21",
        "as_of": ["2025-04-10", "2025-07-25"],
    },
    {   # early return: the arrêt is cut at the return, with a warning
        "employer": {"headcount": 40},
        "birth_date": None,
        "arrets": [("maladie", "2025-01-06", "2025-04-30")],
        "return_date": "2025-03-17",
        "as_of": ["2025-03-20"],
    },
    {   # nothing recorded yet
        "employer": {"headcount": 5},
        "birth_date": "1982-01-01",
        "arrets": [],
        "return_date": None,
        "as_of": ["2025-05-01"],
    },
]


def _evaluate_body(scenario: dict[str, Any], as_of: str) -> dict[str, Any]:
    employer = scenario["employer"]
    body: dict[str, Any] = {
        "as_of": as_of,
        "region": employer.get("region", "national"),
        "employer": {"headcount": employer["headcount"]},
        "employee": {"birth_date": scenario["birth_date"],
                     "branch_age": employer.get("mid_career_age", 45)},
        "absences": [{"cause": c, "start": s, "end": e} for c, s, e in scenario["arrets"]],
    }
    if scenario["return_date"]:
        body["return_date"] = scenario["return_date"]
    return body


@pytest.mark.parametrize("scenario", SCENARIOS, ids=["prolongation", "accident", "discontinu",
                                                     "reprise-anticipee", "vide"])
def test_obligations_match_the_calculator(tenant_a: Tenant, scenario: dict[str, Any]) -> None:
    employer = tenant_a.employer(**scenario["employer"])
    employee = tenant_a.employee(employer["id"], birth_date=scenario["birth_date"])
    for cause, start, end in scenario["arrets"]:
        tenant_a.arret(employee["id"], cause, start, end)
    if scenario["return_date"]:
        answer = tenant_a.post(f"/api/v1/employees/{employee['id']}/return",
                               {"return_date": scenario["return_date"]})
        assert answer.status_code == 200, answer.json
    for as_of in scenario["as_of"]:
        stored = tenant_a.get(f"/api/v1/employees/{employee['id']}/obligations?as_of={as_of}")
        assert stored.status_code == 200, stored.json
        calculated = tenant_a.client.post("/api/v1/evaluate",
                                          json=_evaluate_body(scenario, as_of))
        assert calculated.status_code == 200, calculated.json
        assert stored.json == calculated.json, as_of


def test_obligations_default_to_today(tenant_a: Tenant) -> None:
    employee = tenant_a.employee(tenant_a.employer()["id"])
    tenant_a.arret(employee["id"], "maladie", "2025-01-06", "2025-03-10")
    stored = tenant_a.get(f"/api/v1/employees/{employee['id']}/obligations")
    body = _evaluate_body({"employer": {"headcount": 12}, "birth_date": None,
                           "arrets": [("maladie", "2025-01-06", "2025-03-10")],
                           "return_date": None}, "x")
    del body["as_of"]
    assert stored.status_code == 200
    assert stored.json == tenant_a.client.post("/api/v1/evaluate", json=body).json


@pytest.mark.parametrize("query", ["as_of=2025-02-30", "as_of=demain", "as_of=", "date=2025-01-01"])
def test_a_bad_as_of_is_named(tenant_a: Tenant, query: str) -> None:
    employee = tenant_a.employee(tenant_a.employer()["id"])
    answer = tenant_a.get(f"/api/v1/employees/{employee['id']}/obligations?{query}")
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == query.split("=")[0]


def test_a_birth_date_after_as_of_is_named(tenant_a: Tenant) -> None:
    employee = tenant_a.employee(tenant_a.employer()["id"], birth_date="1990-05-01")
    answer = tenant_a.get(f"/api/v1/employees/{employee['id']}/obligations?as_of=1990-01-01")
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "birth_date"
