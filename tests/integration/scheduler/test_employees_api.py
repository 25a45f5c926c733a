"""``/api/v1/employees``: create, read, change, list by employer; phone and contact rules."""

from __future__ import annotations

from tests.integration.scheduler.conftest import Tenant


def test_create_read_and_change_an_employee(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    answer = tenant_a.post("/api/v1/employees", {
        "employer_id": employer["id"], "first_name": "Marie", "last_name": "Dupont",
        "phone": "06 12 34 56 78", "email": "marie@Exemple.fr", "birth_date": "1980-02-29"})
    assert answer.status_code == 201, answer.json
    employee = answer.json
    assert answer.headers["Location"].endswith(f"/api/v1/employees/{employee['id']}")
    assert employee["phone"] == "+33612345678"
    assert employee["email"] == "marie@exemple.fr"
    assert (employee["birth_date"], employee["return_date"]) == ("1980-02-29", None)
    assert tenant_a.get(f"/api/v1/employees/{employee['id']}").json == employee

    changed = tenant_a.patch(f"/api/v1/employees/{employee['id']}",
                             {"phone": "+33 7 81 23 45 67", "birth_date": None})
    assert changed.status_code == 200, changed.json
    assert (changed.json["phone"], changed.json["birth_date"]) == ("+33781234567", None)


def test_an_invalid_phone_is_refused_naming_phone(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    answer = tenant_a.post("/api/v1/employees", {
        "employer_id": employer["id"], "first_name": "A", "last_name": "B", "phone": "06 12"})
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "phone"


def test_an_employee_needs_a_phone_or_an_email(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    answer = tenant_a.post("/api/v1/employees", {
        "employer_id": employer["id"], "first_name": "A", "last_name": "B"})
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "phone"
    by_mail = tenant_a.employee(employer["id"], phone=None, email="a.b@exemple.fr")
    assert by_mail["phone"] is None
    cleared = tenant_a.patch(f"/api/v1/employees/{by_mail['id']}", {"email": None})
    assert cleared.status_code == 422
    assert tenant_a.get(f"/api/v1/employees/{by_mail['id']}").json["email"] == "a.b@exemple.fr"


def test_the_employer_must_exist(tenant_a: Tenant) -> None:
    answer = tenant_a.post("/api/v1/employees", {
        "employer_id": 999999, "first_name": "A", "last_name": "B", "phone": "0612345678"})
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "employer_id"


def test_employer_and_return_date_cannot_be_patched(tenant_a: Tenant) -> None:
    employee = tenant_a.employee(tenant_a.employer()["id"])
    other = tenant_a.employer()
    for body, field in [({"employer_id": other["id"]}, "employer_id"),
                        ({"return_date": "2025-04-01"}, "return_date"),
                        ({"id": 12}, "id")]:
        answer = tenant_a.patch(f"/api/v1/employees/{employee['id']}", body)
        assert answer.status_code == 422
        assert answer.json["error"]["field"] == field


def test_list_filters_by_employer_and_paginates(tenant_a: Tenant) -> None:
    first, second = tenant_a.employer(), tenant_a.employer()
    ours = [tenant_a.employee(first["id"], last_name=f"N{i}")["id"] for i in range(5)]
    tenant_a.employee(second["id"])
    page = tenant_a.get(f"/api/v1/employees?employer_id={first['id']}&limit=3").json
    assert [e["id"] for e in page["items"]] == ours[:3]
    rest = tenant_a.get(
        f"/api/v1/employees?employer_id={first['id']}&limit=3&cursor={page['next_cursor']}").json
    assert [e["id"] for e in rest["items"]] == ours[3:]
    assert rest["next_cursor"] is None
    assert len(tenant_a.get("/api/v1/employees").json["items"]) == 6
    bad = tenant_a.get("/api/v1/employees?employer_id=x")
    assert (bad.status_code, bad.json["error"]["field"]) == (422, "employer_id")


def test_bad_dates_are_named(tenant_a: Tenant) -> None:
    employer = tenant_a.employer()
    for birth_date in ["1980-02-30", "29/02/1980", "1800-01-01", 1980]:
        answer = tenant_a.post("/api/v1/employees", {
            "employer_id": employer["id"], "first_name": "A", "last_name": "B",
            "phone": "0612345678", "birth_date": birth_date})
        assert answer.status_code == 422
        assert answer.json["error"]["field"] == "birth_date"
