"""``/internal/v1/replies``: SMS answers (OUI/NON) forwarded by the notifier."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from services.scheduler.entrypoints import runtime
from services.scheduler.entrypoints.api.workflow_schemas import ReplyAnswerSchema, ReplySchema
from services.scheduler.service_layer import replies
from shared.auth import require_service_token
from shared.openapi import documented
from shared.web import database, json_body

bp = Blueprint("internal", __name__)


@bp.post("/internal/v1/replies")
@documented("Réponse SMS d'un salarié (OUI/NON), transmise par le notifier", tags=("interne",),
            request=ReplySchema, auth="service",
            responses={200: ReplyAnswerSchema, 202: "Numéro inconnu : pris en compte, rien "
                                                     "d'enregistré"})
@require_service_token
def reply() -> tuple[Response, int]:
    fields = ReplySchema().load(json_body())
    with database().session() as session:
        outcome = replies.apply_reply(session, fields["phone"], fields["answer"],
                                      key=fields["idempotency_key"], now=runtime.now())
    body = ReplyAnswerSchema().dump(outcome)
    return jsonify(body), 202 if outcome.status == "unknown_phone" else 200
