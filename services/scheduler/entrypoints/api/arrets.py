"""``/api/v1/employees/{id}/arrets`` and ``/api/v1/arrets/{id}``: arrêts de travail."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from services.scheduler.entrypoints.api.cases_schemas import (
    ArretPageSchema,
    ArretSchema,
    ListQuerySchema,
)
from services.scheduler.entrypoints.api.paging import (
    PAGE_PARAMETERS,
    load_body,
    load_query,
    page_json,
)
from services.scheduler.entrypoints.api.tenancy import tenant_cases
from services.scheduler.service_layer import arrets
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("arrets", __name__)
TAGS = ("arrêts",)
arret_schema = ArretSchema()
CONFLICTS = "Chevauche un autre arrêt du salarié"


@bp.post("/api/v1/employees/<int:employee_id>/arrets")
@documented("Enregistrer un arrêt ou une prolongation", tags=TAGS, request=ArretSchema,
            auth="api_key", responses={201: ArretSchema, 404: "Salarié introuvable",
                                       409: CONFLICTS})
@rate_limited("API_RATE_LIMIT")
def record_arret(employee_id: int) -> tuple[Response, int, dict[str, str]]:
    fields = load_body(arret_schema)
    with tenant_cases() as cases:
        arret = arrets.record_arret(cases, employee_id, fields["cause"], fields["start"],
                                    fields["end"])
        body = arret_schema.dump(arret)
    return jsonify(body), 201, {"Location": url_for(".get_arret", arret_id=body["id"])}


@bp.get("/api/v1/employees/<int:employee_id>/arrets")
@documented("Lister les arrêts d'un salarié", tags=TAGS, auth="api_key",
            parameters=PAGE_PARAMETERS,
            responses={200: ArretPageSchema, 404: "Salarié introuvable"})
@rate_limited("API_RATE_LIMIT")
def list_arrets(employee_id: int) -> Response:
    query = load_query(ListQuerySchema())
    with tenant_cases() as cases:
        page = arrets.list_arrets(cases, employee_id, query["cursor"], query["limit"])
        return jsonify(page_json(arret_schema, page))


@bp.get("/api/v1/arrets/<int:arret_id>")
@documented("Lire un arrêt", tags=TAGS, auth="api_key",
            responses={200: ArretSchema, 404: "Arrêt introuvable"})
@rate_limited("API_RATE_LIMIT")
def get_arret(arret_id: int) -> Response:
    with tenant_cases() as cases:
        return jsonify(arret_schema.dump(arrets.get_arret(cases, arret_id)))


@bp.patch("/api/v1/arrets/<int:arret_id>")
@documented("Corriger un arrêt (prolonger sa fin, rectifier ses dates)", tags=TAGS,
            request=ArretSchema, auth="api_key",
            responses={200: ArretSchema, 404: "Arrêt introuvable", 409: CONFLICTS})
@rate_limited("API_RATE_LIMIT")
def correct_arret(arret_id: int) -> Response:
    changes = load_body(arret_schema, partial=True)
    with tenant_cases() as cases:
        return jsonify(arret_schema.dump(arrets.correct_arret(cases, arret_id, changes)))


@bp.delete("/api/v1/arrets/<int:arret_id>")
@documented("Supprimer un arrêt saisi par erreur", tags=TAGS, auth="api_key",
            responses={204: "Supprimé", 404: "Arrêt introuvable"})
@rate_limited("API_RATE_LIMIT")
def delete_arret(arret_id: int) -> tuple[str, int]:
    with tenant_cases() as cases:
        arrets.delete_arret(cases, arret_id)
    return "", 204
