"""``/internal/v1/erasures``: the scheduler asks to erase one employee's notifications."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from services.notifier.service_layer import retention
from shared.auth import require_service_token
from shared.openapi import documented
from shared.ratelimit import rate_limited
from shared.web import database, json_body

bp = Blueprint("privacy", __name__)


class ErasureRequestSchema(Schema):
    """Whose notifications to delete: by key prefix, by address, or both."""

    class Meta:
        unknown = RAISE

    key_prefixes = fields.List(fields.String(validate=validate.Regexp(
        r"^[^\s%]{5,198}:$", error="préfixe de clé d'idempotence terminé par « : » attendu")),
        load_default=list, validate=validate.Length(max=1000), metadata={
            "description": "débuts de clés d'idempotence, chacun terminé par « : » "
                           "(relais-p12:, invite:relais-liaison-12:)"})
    recipients = fields.List(fields.String(validate=validate.Length(3, 254)),
                             load_default=list, validate=validate.Length(max=10),
                             metadata={"description": "numéros et adresses e-mail"})

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("key_prefixes") and not data.get("recipients"):
            raise ValidationError("au moins un préfixe ou un destinataire", "key_prefixes")


class ErasureAnswerSchema(Schema):
    notifications = fields.Integer(required=True)
    outbox_messages = fields.Integer(required=True)
    console_messages = fields.Integer(required=True)


@bp.post("/internal/v1/erasures")
@documented("Effacer les notifications d'un salarié (demande du scheduler)",
            tags=("interne",), request=ErasureRequestSchema, auth="service",
            responses={200: ErasureAnswerSchema})
@require_service_token
@rate_limited("API_RATE_LIMIT")
def erase() -> Response:
    fields_ = ErasureRequestSchema().load(json_body())
    with database().session() as session:
        report = retention.erase(session, fields_["key_prefixes"], fields_["recipients"])
    return jsonify(ErasureAnswerSchema().dump(report.counts()))
