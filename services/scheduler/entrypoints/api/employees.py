"""``/api/v1/employees``: the employees of the SPST's employers, and their return."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from services.scheduler.entrypoints import runtime
from services.scheduler.entrypoints.api.cases_schemas import (
    EmployeeChangeSchema,
    EmployeeListQuerySchema,
    EmployeePageSchema,
    EmployeeSchema,
    ReturnSchema,
)
from services.scheduler.entrypoints.api.paging import (
    PAGE_PARAMETERS,
    load_body,
    load_query,
    page_json,
    query_parameter,
)
from services.scheduler.entrypoints.api.tenancy import tenant_cases
from services.scheduler.service_layer import employees
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("employees", __name__)
TAGS = ("salariés",)
employee_schema = EmployeeSchema()
patch_schema = EmployeeChangeSchema()


@bp.post("/api/v1/employees")
@documented("Enregistrer un salarié", tags=TAGS, request=EmployeeSchema, auth="api_key",
            responses={201: EmployeeSchema})
@rate_limited("API_RATE_LIMIT")
def create_employee() -> tuple[Response, int, dict[str, str]]:
    fields = load_body(employee_schema)
    with tenant_cases() as cases:
        body = employee_schema.dump(employees.create_employee(cases, fields))
    return jsonify(body), 201, {"Location": url_for(".get_employee", employee_id=body["id"])}


@bp.get("/api/v1/employees")
@documented("Lister les salariés", tags=TAGS, auth="api_key", responses={200: EmployeePageSchema},
            parameters=[*PAGE_PARAMETERS,
                        query_parameter("employer_id", "ceux d'un employeur", "integer")])
@rate_limited("API_RATE_LIMIT")
def list_employees() -> Response:
    query = load_query(EmployeeListQuerySchema())
    with tenant_cases() as cases:
        page = employees.list_employees(cases, query["cursor"], query["limit"],
                                        query["employer_id"])
        return jsonify(page_json(employee_schema, page))


@bp.get("/api/v1/employees/<int:employee_id>")
@documented("Lire un salarié", tags=TAGS, auth="api_key",
            responses={200: EmployeeSchema, 404: "Salarié introuvable"})
@rate_limited("API_RATE_LIMIT")
def get_employee(employee_id: int) -> Response:
    with tenant_cases() as cases:
        return jsonify(employee_schema.dump(employees.get_employee(cases, employee_id)))


@bp.patch("/api/v1/employees/<int:employee_id>")
@documented("Modifier un salarié", tags=TAGS, request=EmployeeChangeSchema, auth="api_key",
            responses={200: EmployeeSchema, 404: "Salarié introuvable"})
@rate_limited("API_RATE_LIMIT")
def update_employee(employee_id: int) -> Response:
    changes = load_body(patch_schema, partial=True)
    with tenant_cases() as cases:
        employee = employees.update_employee(cases, employee_id, changes)
        return jsonify(employee_schema.dump(employee))


@bp.post("/api/v1/employees/<int:employee_id>/return")
@documented("Enregistrer la reprise du travail", tags=TAGS, request=ReturnSchema,
            auth="api_key", responses={
                200: EmployeeSchema, 404: "Salarié introuvable",
                409: "Aucun arrêt, ou reprise avant le début du dernier arrêt"})
@rate_limited("API_RATE_LIMIT")
def record_return(employee_id: int) -> Response:
    return_date = load_body(ReturnSchema())["return_date"]
    with tenant_cases() as cases:
        employee = employees.record_return(cases, employee_id, return_date, now=runtime.now())
        return jsonify(employee_schema.dump(employee))
