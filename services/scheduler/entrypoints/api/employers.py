"""``/api/v1/employers``: the SPST's employers."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from services.scheduler.entrypoints.api.cases_schemas import (
    EmployerPageSchema,
    EmployerSchema,
    ListQuerySchema,
)
from services.scheduler.entrypoints.api.paging import (
    PAGE_PARAMETERS,
    load_body,
    load_query,
    page_json,
)
from services.scheduler.entrypoints.api.tenancy import tenant_cases
from services.scheduler.service_layer import employers
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("employers", __name__)
TAGS = ("employeurs",)
employer_schema = EmployerSchema()


@bp.post("/api/v1/employers")
@documented("Enregistrer un employeur", tags=TAGS, request=EmployerSchema, auth="api_key",
            responses={201: EmployerSchema, 409: "SIRET déjà enregistré pour ce SPST"})
@rate_limited("API_RATE_LIMIT")
def create_employer() -> tuple[Response, int, dict[str, str]]:
    fields = load_body(employer_schema)
    with tenant_cases() as cases:
        employer = employers.create_employer(cases, fields)
        body = employer_schema.dump(employer)
    location = url_for(".get_employer", employer_id=body["id"])
    return jsonify(body), 201, {"Location": location}


@bp.get("/api/v1/employers")
@documented("Lister les employeurs", tags=TAGS, auth="api_key", parameters=PAGE_PARAMETERS,
            responses={200: EmployerPageSchema})
@rate_limited("API_RATE_LIMIT")
def list_employers() -> Response:
    query = load_query(ListQuerySchema())
    with tenant_cases() as cases:
        page = employers.list_employers(cases, query["cursor"], query["limit"])
        return jsonify(page_json(employer_schema, page))


@bp.get("/api/v1/employers/<int:employer_id>")
@documented("Lire un employeur", tags=TAGS, auth="api_key",
            responses={200: EmployerSchema, 404: "Employeur introuvable"})
@rate_limited("API_RATE_LIMIT")
def get_employer(employer_id: int) -> Response:
    with tenant_cases() as cases:
        return jsonify(employer_schema.dump(employers.get_employer(cases, employer_id)))


@bp.patch("/api/v1/employers/<int:employer_id>")
@documented("Modifier un employeur", tags=TAGS, request=EmployerSchema, auth="api_key",
            responses={200: EmployerSchema, 404: "Employeur introuvable",
                       409: "SIRET déjà enregistré pour ce SPST"})
@rate_limited("API_RATE_LIMIT")
def update_employer(employer_id: int) -> Response:
    changes = load_body(employer_schema, partial=True)
    with tenant_cases() as cases:
        employer = employers.update_employer(cases, employer_id, changes)
        return jsonify(employer_schema.dump(employer))
