"""Arrêts: record, prolong, correct, delete; the return date; no medical detail, ever."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from shared.web import database
from tests.integration.scheduler.conftest import Tenant


@pytest.fixture
def employee(tenant_a: Tenant) -> dict[str, object]:
    return tenant_a.employee(tenant_a.employer()["id"])


def test_record_list_and_prolong_arrets(tenant_a: Tenant, employee: dict[str, object]) -> None:
    first = tenant_a.arret(employee["id"], "accident_travail", "2025-06-02", "2025-06-20")
    assert {k: first[k] for k in ("employee_id", "cause", "start", "end")} == {
        "employee_id": employee["id"], "cause": "accident_travail",
        "start": "2025-06-02", "end": "2025-06-20"}
    prolongation = tenant_a.arret(employee["id"], "accident_travail", "2025-06-21", "2025-07-01")
    listed = tenant_a.get(f"/api/v1/employees/{employee['id']}/arrets").json
    assert [a["id"] for a in listed["items"]] == [first["id"], prolongation["id"]]
    assert tenant_a.get(f"/api/v1/arrets/{first['id']}").json == first

    page = tenant_a.get(f"/api/v1/employees/{employee['id']}/arrets?limit=1").json
    assert [a["id"] for a in page["items"]] == [first["id"]]
    assert page["next_cursor"] == str(first["id"])


def test_extend_the_end_of_an_arret(tenant_a: Tenant, employee: dict[str, object]) -> None:
    arret = tenant_a.arret(employee["id"], start="2025-03-03", end="2025-04-01")
    extended = tenant_a.patch(f"/api/v1/arrets/{arret['id']}", {"end": "2025-04-02"})
    assert extended.status_code == 200, extended.json
    assert (extended.json["start"], extended.json["end"]) == ("2025-03-03", "2025-04-02")
    backwards = tenant_a.patch(f"/api/v1/arrets/{arret['id']}", {"end": "2025-03-01"})
    assert (backwards.status_code, backwards.json["error"]["field"]) == (422, "end")
    assert tenant_a.get(f"/api/v1/arrets/{arret['id']}").json["end"] == "2025-04-02"


def test_overlapping_arrets_are_refused(tenant_a: Tenant, employee: dict[str, object]) -> None:
    march = tenant_a.arret(employee["id"], start="2025-03-03", end="2025-03-31")
    answer = tenant_a.post(f"/api/v1/employees/{employee['id']}/arrets",
                           {"cause": "maladie", "start": "2025-03-31", "end": "2025-04-10"})
    assert answer.status_code == 409
    assert (answer.json["error"]["code"], answer.json["error"]["field"]) == (
        "arret_overlap", "start")
    april = tenant_a.arret(employee["id"], start="2025-04-01", end="2025-04-10")
    moved = tenant_a.patch(f"/api/v1/arrets/{april['id']}", {"start": "2025-03-20"})
    assert moved.status_code == 409
    # Correcting an arrêt does not collide with itself.
    assert tenant_a.patch(f"/api/v1/arrets/{march['id']}",
                          {"start": "2025-03-02"}).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"cause": "grippe", "start": "2025-03-03", "end": "2025-03-04"}, "cause"),
    ({"cause": "maladie", "start": "2025-03-03"}, "end"),
    ({"cause": "maladie", "start": "2025-03-05", "end": "2025-03-04"}, "end"),
    ({"cause": "maladie", "start": "03/03/2025", "end": "2025-03-04"}, "start"),
])
def test_invalid_arrets_are_refused_naming_the_field(
        tenant_a: Tenant, employee: dict[str, object], body: dict[str, str], field: str) -> None:
    answer = tenant_a.post(f"/api/v1/employees/{employee['id']}/arrets", body)
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == field


@pytest.mark.parametrize("medical", ["diagnosis", "motif", "pathologie", "comment", "notes"])
def test_medical_or_free_text_fields_are_refused_and_not_stored(
        scheduler_app: Flask, tenant_a: Tenant, employee: dict[str, object],
        medical: str) -> None:
    secret = "lombalgie chronique"
    body = {"cause": "maladie", "start": "2025-03-03", "end": "2025-03-31", medical: secret}
    answer = tenant_a.post(f"/api/v1/employees/{employee['id']}/arrets", body)
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == medical
    arret = tenant_a.arret(employee["id"])
    patched = tenant_a.patch(f"/api/v1/arrets/{arret['id']}", {medical: secret})
    assert (patched.status_code, patched.json["error"]["field"]) == (422, medical)
    on_employee = tenant_a.patch(f"/api/v1/employees/{employee['id']}", {medical: secret})
    assert on_employee.status_code == 422

    assert tenant_a.get(f"/api/v1/employees/{employee['id']}/arrets").json["items"] == [arret]
    with database(scheduler_app).engine.connect() as connection:
        for table in ("arrets", "employees", "employers"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert all(secret not in str(value) for row in rows for value in row)


def test_return_date_follows_the_latest_arret(tenant_a: Tenant,
                                              employee: dict[str, object]) -> None:
    url = f"/api/v1/employees/{employee['id']}/return"
    none_yet = tenant_a.post(url, {"return_date": "2025-04-01"})
    assert (none_yet.status_code, none_yet.json["error"]["code"]) == (409, "no_arret")

    arret = tenant_a.arret(employee["id"], start="2025-01-01", end="2025-03-01")
    before = tenant_a.post(url, {"return_date": "2025-01-01"})
    assert (before.status_code, before.json["error"]["field"]) == (409, "return_date")
    assert before.json["error"]["code"] == "return_before_arret"

    answer = tenant_a.post(url, {"return_date": "2025-03-03"})
    assert answer.status_code == 200, answer.json
    assert answer.json["return_date"] == "2025-03-03"
    assert tenant_a.get(f"/api/v1/employees/{employee['id']}").json["return_date"] == "2025-03-03"

    # An arrêt reaching past the return makes it an early return: kept.
    assert tenant_a.patch(f"/api/v1/arrets/{arret['id']}",
                          {"end": "2025-03-05"}).status_code == 200
    assert tenant_a.get(f"/api/v1/employees/{employee['id']}").json["return_date"] == "2025-03-03"

    # A new arrêt after the return opens a new chain: the old return is history.
    tenant_a.arret(employee["id"], start="2025-05-05", end="2025-05-20")
    assert tenant_a.get(f"/api/v1/employees/{employee['id']}").json["return_date"] is None

    early = tenant_a.post(url, {"return_date": "2025-05-12"})
    assert early.json["return_date"] == "2025-05-12"
    assert tenant_a.post(url, {"return_date": None}).json["return_date"] is None
    missing = tenant_a.post(url, {})
    assert (missing.status_code, missing.json["error"]["field"]) == (422, "return_date")


def test_delete_an_arret_recorded_by_mistake(tenant_a: Tenant,
                                             employee: dict[str, object]) -> None:
    arret = tenant_a.arret(employee["id"])
    tenant_a.post(f"/api/v1/employees/{employee['id']}/return", {"return_date": "2025-04-01"})
    answer = tenant_a.delete(f"/api/v1/arrets/{arret['id']}")
    assert answer.status_code == 204
    assert tenant_a.get(f"/api/v1/arrets/{arret['id']}").status_code == 404
    assert tenant_a.delete(f"/api/v1/arrets/{arret['id']}").status_code == 404
    # No arrêt left, no return to speak of.
    assert tenant_a.get(f"/api/v1/employees/{employee['id']}").json["return_date"] is None


def test_arrets_of_an_unknown_employee(tenant_a: Tenant) -> None:
    assert tenant_a.get("/api/v1/employees/999999/arrets").status_code == 404
    assert tenant_a.post("/api/v1/employees/999999/arrets", {
        "cause": "maladie", "start": "2025-03-03", "end": "2025-03-04"}).status_code == 404
