"""``/api/v1/.../procedures``: the four workflows, behind the SPST's API keys.

Thin routes: load the body, call the use case in a tenant unit of work, dump
the procedure. Employer-scoped keys see only their employer's procedures and
never a pré-reprise the employee did not share.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from services.scheduler.adapters.orm import Procedure
from services.scheduler.adapters.repository import CasesRepository
from services.scheduler.entrypoints import runtime
from services.scheduler.entrypoints.api.paging import load_body
from services.scheduler.entrypoints.api.tenancy import require_spst_key, tenant_cases
from services.scheduler.entrypoints.api.workflow_schemas import (
    AnswerSchema,
    AppointmentSchema,
    ConsentSchema,
    OpenLiaisonSchema,
    PreRepriseSchema,
    ProcedureListSchema,
    ProcedureSchema,
    RescheduleSchema,
)
from services.scheduler.service_layer import liaison, pre_reprise, procedures, reprise
from services.scheduler.service_layer.errors import Forbidden
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("procedures", __name__)
TAGS = ("procédures",)
schema = ProcedureSchema()
MISSING = "Procédure introuvable"
CONFLICT = "L'état de la procédure ne le permet pas"


def _json(cases: CasesRepository, procedure: Procedure) -> dict[str, Any]:
    body: dict[str, Any] = schema.dump(procedure)
    body["slots"] = schema.fields["slots"].serialize(
        "slots", {"slots": procedures.slots_of(cases, procedure)})
    return body


@bp.get("/api/v1/employees/<int:employee_id>/procedures")
@documented("Lister les procédures d'un salarié", tags=TAGS, auth="api_key",
            responses={200: ProcedureListSchema, 404: "Salarié introuvable"})
@rate_limited("API_RATE_LIMIT")
def list_procedures(employee_id: int) -> Response:
    with tenant_cases() as cases:
        found = procedures.list_procedures(cases, employee_id)
        return jsonify({"items": [_json(cases, p) for p in found]})


@bp.get("/api/v1/procedures/<int:procedure_id>")
@documented("Lire une procédure et ses créneaux", tags=TAGS, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING})
@rate_limited("API_RATE_LIMIT")
def get_procedure(procedure_id: int) -> Response:
    with tenant_cases() as cases:
        return jsonify(_json(cases, procedures.get_procedure(cases, procedure_id)))


@bp.post("/api/v1/employees/<int:employee_id>/liaison")
@documented("Ouvrir le rendez-vous de liaison (employeur et salarié informés)", tags=TAGS,
            request=OpenLiaisonSchema, auth="api_key",
            responses={201: ProcedureSchema, 404: "Salarié introuvable",
                       409: "Pas d'arrêt de plus de 30 jours en cours"})
@rate_limited("API_RATE_LIMIT")
def open_liaison(employee_id: int) -> tuple[Response, int]:
    fields = load_body(OpenLiaisonSchema())
    with tenant_cases() as cases:
        procedure = liaison.open_liaison(cases, employee_id, initiated_by=fields["initiated_by"],
                                         now=runtime.now())
        return jsonify(_json(cases, procedure)), 201


@bp.post("/api/v1/procedures/<int:procedure_id>/answer")
@documented("Enregistrer la réponse du salarié (accepte ou refuse)", tags=TAGS,
            request=AnswerSchema, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING, 409: CONFLICT})
@rate_limited("API_RATE_LIMIT")
def answer(procedure_id: int) -> Response:
    fields = load_body(AnswerSchema())
    now = runtime.now()
    busy = None
    if fields["accept"]:
        with tenant_cases() as cases:
            request = liaison.busy_request(cases, procedure_id, now)
        busy = runtime.fetch_busy(request)
    with tenant_cases() as cases:
        procedure = liaison.answer(cases, procedure_id, accept=fields["accept"],
                                   via=fields["via"], now=now, busy=busy)
        return jsonify(_json(cases, procedure))


@bp.post("/api/v1/procedures/<int:procedure_id>/confirm")
@documented("Confirmer la date du rendez-vous de liaison (dans la fenêtre légale)", tags=TAGS,
            request=AppointmentSchema, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING, 409: CONFLICT,
                       422: "Date hors de la fenêtre, avec la raison"})
@rate_limited("API_RATE_LIMIT")
def confirm(procedure_id: int) -> Response:
    fields = load_body(AppointmentSchema())
    with tenant_cases() as cases:
        procedure = liaison.confirm(cases, procedure_id, fields["starts_at"], now=runtime.now(),
                                    mode=fields["mode"], location=fields["location"],
                                    video_url=fields["video_url"])
        return jsonify(_json(cases, procedure))


@bp.post("/api/v1/procedures/<int:procedure_id>/reschedule")
@documented("Déplacer le rendez-vous de liaison confirmé", tags=TAGS,
            request=RescheduleSchema, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING, 409: CONFLICT,
                       422: "Date hors de la fenêtre, avec la raison"})
@rate_limited("API_RATE_LIMIT")
def reschedule(procedure_id: int) -> Response:
    fields = load_body(RescheduleSchema())
    with tenant_cases() as cases:
        procedure = liaison.reschedule(cases, procedure_id, fields["starts_at"],
                                       now=runtime.now(), mode=fields["mode"],
                                       location=fields["location"],
                                       video_url=fields["video_url"])
        return jsonify(_json(cases, procedure))


@bp.post("/api/v1/procedures/<int:procedure_id>/cancel")
@documented("Annuler le rendez-vous de liaison", tags=TAGS, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING, 409: CONFLICT})
@rate_limited("API_RATE_LIMIT")
def cancel(procedure_id: int) -> Response:
    with tenant_cases() as cases:
        return jsonify(_json(cases, liaison.cancel(cases, procedure_id, now=runtime.now())))


@bp.post("/api/v1/procedures/<int:procedure_id>/appointment")
@documented("Fixer la visite de reprise ou de mi-carrière (planificateur)", tags=TAGS,
            request=AppointmentSchema, auth="api_key",
            responses={200: ProcedureSchema, 404: MISSING, 409: CONFLICT})
@rate_limited("API_RATE_LIMIT")
def appointment(procedure_id: int) -> Response:
    fields = load_body(AppointmentSchema())
    with tenant_cases() as cases:
        procedure = reprise.schedule(cases, procedure_id, fields["starts_at"], now=runtime.now(),
                                     mode=fields["mode"], location=fields["location"],
                                     video_url=fields["video_url"])
        return jsonify(_json(cases, procedure))


@bp.post("/api/v1/procedures/<int:procedure_id>/consent")
@documented("Enregistrer les choix du salarié (référent handicap, partage de la pré-reprise)",
            tags=TAGS, request=ConsentSchema, auth="api_key",
            responses={200: ProcedureSchema, 403: "Clé limitée à un employeur",
                       404: MISSING})
@rate_limited("API_RATE_LIMIT")
def consent(procedure_id: int) -> Response:
    fields = load_body(ConsentSchema())
    now = runtime.now()
    with tenant_cases() as cases:
        if cases.employer_scoped:
            raise Forbidden("les choix du salarié ne peuvent pas être faits par l'employeur")
        procedure = procedures.get_procedure(cases, procedure_id)
        if fields["referent_handicap"] is not None:
            procedure = liaison.set_consent(cases, procedure_id,
                                            referent_handicap=fields["referent_handicap"],
                                            now=now)
        if fields["share_with_employer"] is not None:
            procedure = pre_reprise.set_consent(
                cases, procedure_id, share_with_employer=fields["share_with_employer"], now=now)
        return jsonify(_json(cases, procedure))


@bp.post("/api/v1/employees/<int:employee_id>/pre-reprise")
@documented("Demander une visite de pré-reprise (transmise au SPST seul)", tags=TAGS,
            request=PreRepriseSchema, auth="api_key",
            responses={201: ProcedureSchema, 403: "Clé limitée à un employeur",
                       404: "Salarié introuvable", 409: "Pas d'arrêt de plus de 30 jours"})
@rate_limited("API_RATE_LIMIT")
def request_pre_reprise(employee_id: int) -> tuple[Response, int]:
    require_spst_key()
    fields = load_body(PreRepriseSchema())
    with tenant_cases() as cases:
        procedure = pre_reprise.request(cases, employee_id, now=runtime.now(),
                                        share_with_employer=fields["share_with_employer"])
        return jsonify(_json(cases, procedure)), 201
