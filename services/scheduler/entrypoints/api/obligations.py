"""``/api/v1/employees/{id}/obligations``: the calculator's answer for stored data."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from services.scheduler.entrypoints.api.cases_schemas import ObligationsQuerySchema
from services.scheduler.entrypoints.api.evaluate_schemas import EvaluationSchema
from services.scheduler.entrypoints.api.fields import today_in_paris
from services.scheduler.entrypoints.api.paging import load_query, query_parameter
from services.scheduler.entrypoints.api.tenancy import tenant_cases
from services.scheduler.service_layer.obligations import obligations_of
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("obligations", __name__)
evaluation_schema = EvaluationSchema()


@bp.get("/api/v1/employees/<int:employee_id>/obligations")
@documented(
    "Obligations d'un salarié (même forme que POST /api/v1/evaluate)", tags=("salariés",),
    auth="api_key", responses={200: EvaluationSchema, 404: "Salarié introuvable"},
    parameters=[query_parameter("as_of", "jour de la question (AAAA-MM-JJ) ; aujourd'hui "
                                         "(Europe/Paris) par défaut", format="date")])
@rate_limited("API_RATE_LIMIT")
def employee_obligations(employee_id: int) -> Response:
    as_of = load_query(ObligationsQuerySchema())["as_of"] or today_in_paris()
    with tenant_cases() as cases:
        return jsonify(evaluation_schema.dump(obligations_of(cases, employee_id, as_of)))
