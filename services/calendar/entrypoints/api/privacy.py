"""``/internal/v1/erasures``: the scheduler asks to erase one employee's events."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from marshmallow import RAISE, Schema, fields, validate

from services.calendar.entrypoints.api.common import load_body, now, repository
from services.calendar.entrypoints.api.schemas import UID_PATTERN
from services.calendar.service_layer import retention
from shared.auth import require_service_token
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("privacy", __name__)


class ErasureRequestSchema(Schema):
    """The events to anonymise and cancel, by UID."""

    class Meta:
        unknown = RAISE

    uids = fields.List(fields.String(validate=validate.Regexp(
        UID_PATTERN, error="UID : 1 à 200 caractères parmi lettres, chiffres et . _ @ + = -")),
        required=True, validate=validate.Length(min=1, max=200, error="de 1 à 200 UID"))


class ErasureAnswerSchema(Schema):
    events = fields.Integer(required=True)
    invites = fields.Integer(required=True)


@bp.post("/internal/v1/erasures")
@documented("Effacer les événements d'un salarié (demande du scheduler)", tags=("interne",),
            request=ErasureRequestSchema, auth="service", responses={200: ErasureAnswerSchema})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def erase() -> Response:
    uids = load_body(ErasureRequestSchema())["uids"]
    with repository() as repo:
        report = retention.erase(repo, uids, now())
    return jsonify(ErasureAnswerSchema().dump(report.counts()))
