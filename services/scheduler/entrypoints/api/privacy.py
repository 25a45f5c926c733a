"""``/api/v1/employees/{id}/export``, ``/erase`` and ``/api/v1/audit``: the SPST's keys only.

An employee exercises their rights through the SPST: the export of
everything held about them, the erasure (here, and through the outbox at the
notifier and the calendar), and the audit log of who saw or changed what. An
employer-scoped key is refused (403) before anything is read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify
from marshmallow import Schema, fields, validate

from services.scheduler.adapters.orm import MAX_ID
from services.scheduler.entrypoints import runtime
from services.scheduler.entrypoints.api.cases_schemas import (
    ArretSchema,
    EmployeeSchema,
    ListQuerySchema,
)
from services.scheduler.entrypoints.api.paging import PAGE_PARAMETERS, load_query, query_parameter
from services.scheduler.entrypoints.api.tenancy import (
    authenticate,
    challenge,
    require_spst_key,
    tenant_cases,
)
from services.scheduler.entrypoints.api.workflow_schemas import ProcedureSchema, SlotSchema
from services.scheduler.service_layer import privacy
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("privacy", __name__)
bp.before_request(authenticate)
bp.after_request(challenge)
TAGS = ("données personnelles",)
FORBIDDEN = "Clé limitée à un employeur : réservé au SPST"
MISSING = "Salarié introuvable"


class AuditEntrySchema(Schema):
    """One line of the audit log: ids and codes, never a personal value."""

    id = fields.Integer()
    at = fields.AwareDateTime()
    actor_type = fields.String(metadata={
        "description": "api_key, planner, link, service ou system"})
    actor_id = fields.String(allow_none=True, metadata={
        "description": "n° de la clé d'API ou du compte, rôle du lien, nom du service"})
    action = fields.String(metadata={
        "description": "create, update, delete, read, export, erase ou purge"})
    object_type = fields.String(metadata={
        "description": "employee, employer, arret, procedure, message ou dashboard"})
    object_id = fields.Integer(allow_none=True)
    employee_id = fields.Integer(allow_none=True)
    request_id = fields.String(allow_none=True)
    detail = fields.String(allow_none=True, metadata={
        "description": "codes seulement : champs modifiés, objet d'un message"})


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class AuditQuerySchema(ListQuerySchema):
    employee_id = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=MAX_ID, error="identifiant invalide"),
        error_messages={"invalid": "nombre entier attendu"})


class EmployerRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    siret = fields.String()


class ExportProcedureSchema(ProcedureSchema):
    slots = fields.List(fields.Nested(SlotSchema))


class MessageRecordSchema(Schema):
    """A message about the employee: to whom, which template, what became of it."""

    id = fields.Integer()
    procedure_id = fields.Integer(allow_none=True)
    kind = fields.String(metadata={"description": "notify, put_event ou cancel_event"})
    recipient = fields.String(metadata={
        "description": "employee, employer, spst ou calendar (jamais l'adresse)"})
    purpose = fields.String()
    channel = fields.String(allow_none=True)
    template = fields.String(allow_none=True)
    status = fields.String()
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)


class ExportSchema(Schema):
    """Everything the scheduler holds about one employee."""

    employee = fields.Nested(EmployeeSchema)
    employer = fields.Nested(EmployerRefSchema)
    arrets = fields.List(fields.Nested(ArretSchema))
    procedures = fields.List(fields.Nested(ExportProcedureSchema))
    messages = fields.List(fields.Nested(MessageRecordSchema))
    audit = fields.List(fields.Nested(AuditEntrySchema))
    exported_at = fields.AwareDateTime()


class DeletedSchema(Schema):
    arrets = fields.Integer()
    procedures = fields.Integer()
    slots = fields.Integer()
    due_actions = fields.Integer()
    messages = fields.Integer()


class ErasureSchema(Schema):
    """What was deleted, and which services were asked to erase their copies."""

    employee_id = fields.Integer()
    erased_at = fields.AwareDateTime()
    deleted = fields.Nested(DeletedSchema)
    peers = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "notifier, calendar : « requested » (effacement demandé, remis par "
                       "l'outbox)"})


def export_json(export: privacy.Export) -> dict[str, Any]:
    procedures = []
    for procedure, slots in export.procedures:
        body: dict[str, Any] = ProcedureSchema().dump(procedure)
        body["slots"] = SlotSchema(many=True).dump(slots)
        procedures.append(body)
    return {
        "employee": EmployeeSchema().dump(export.employee),
        "employer": EmployerRefSchema().dump(export.employer),
        "arrets": ArretSchema(many=True).dump(export.arrets),
        "procedures": procedures,
        "messages": MessageRecordSchema(many=True).dump(export.messages),
        "audit": AuditEntrySchema(many=True).dump(export.audit),
        "exported_at": fields.AwareDateTime().serialize("at", {"at": export.exported_at}),
    }


@bp.get("/api/v1/employees/<int:employee_id>/export")
@documented("Exporter tout ce que Relais détient sur un salarié (droit d'accès)", tags=TAGS,
            auth="api_key", responses={200: ExportSchema, 403: FORBIDDEN, 404: MISSING})
@rate_limited("API_RATE_LIMIT")
def export_employee(employee_id: int) -> Response:
    require_spst_key()
    with tenant_cases() as cases:
        export = privacy.export_employee(cases, employee_id, runtime.now())
        return jsonify(export_json(export))


@bp.post("/api/v1/employees/<int:employee_id>/erase")
@documented("Effacer un salarié (droit à l'effacement), ici et chez le notifier et le "
            "calendrier", tags=TAGS, auth="api_key",
            responses={200: ErasureSchema, 403: FORBIDDEN, 404: MISSING})
@rate_limited("API_RATE_LIMIT")
def erase_employee(employee_id: int) -> Response:
    require_spst_key()
    with tenant_cases() as cases:
        erasure = privacy.erase_employee(cases, employee_id, runtime.now())
        return jsonify(ErasureSchema().dump(erasure))


@bp.get("/api/v1/audit")
@documented("Journal d'audit : qui a vu ou modifié quoi, et quand", tags=TAGS, auth="api_key",
            responses={200: AuditPageSchema, 403: FORBIDDEN},
            parameters=[*PAGE_PARAMETERS,
                        query_parameter("employee_id", "les entrées d'un salarié", "integer")])
@rate_limited("API_RATE_LIMIT")
def audit_log() -> Response:
    require_spst_key()
    query = load_query(AuditQuerySchema())
    with tenant_cases() as cases:
        items, cursor = privacy.audit_page(cases.session, g.spst_id, query["employee_id"],
                                           query["cursor"], query["limit"])
        body = AuditEntrySchema(many=True).dump(items)
    return jsonify({"items": body, "next_cursor": None if cursor is None else str(cursor)})
