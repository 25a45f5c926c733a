"""``/api/v1/notifications``: request, read and cancel notifications (service token)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, url_for

from services.notifier.entrypoints.schemas import (
    AcceptedSchema,
    NotificationRequestSchema,
    NotificationSchema,
)
from services.notifier.service_layer import notifications
from services.notifier.service_layer.notifications import NotificationRequest, Refused
from shared.auth import require_service_token
from shared.errors import ApiError
from shared.openapi import documented
from shared.ratelimit import rate_limited
from shared.web import database, json_body

bp = Blueprint("notifications", __name__)
TAGS = ("notifications",)
request_schema = NotificationRequestSchema()
notification_schema = NotificationSchema()


def _now() -> datetime:
    """The current time; tests set ``CLOCK`` to a callable to fix it."""
    clock = current_app.config.get("CLOCK")
    return clock() if callable(clock) else datetime.now(UTC)


def _api_error(exc: Refused) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, exc.field)


@bp.post("/api/v1/notifications")
@documented("Demander l'envoi d'un SMS ou d'un e-mail", tags=TAGS,
            request=NotificationRequestSchema, auth="service",
            responses={202: AcceptedSchema, 200: AcceptedSchema,
                       409: "Numéro opposé aux SMS, ou clé d'idempotence déjà utilisée "
                            "pour une autre demande",
                       422: "Entrée invalide (destinataire, modèle, données)"})
@require_service_token
@rate_limited("API_RATE_LIMIT")
def create_notification() -> tuple[Response, int, dict[str, str]]:
    """Queue a notification; committed before the answer.

    The same ``idempotency_key`` answers the same notification (200 instead
    of 202) and never sends twice, also under concurrent requests.
    """
    fields: dict[str, Any] = request_schema.load(json_body())
    command = NotificationRequest(**fields)
    try:
        with notifications.unit_of_work(database()) as connection:
            queued, created = notifications.submit(connection, command, _now())
    except Refused as exc:
        raise _api_error(exc) from exc
    body = {"id": queued.id, "status": queued.status}
    location = url_for(".get_notification", notification_id=queued.id)
    return jsonify(body), 202 if created else 200, {"Location": location}


@bp.get("/api/v1/notifications/<notification_id>")
@documented("Lire une notification, son historique et ses essais", tags=TAGS, auth="service",
            responses={200: NotificationSchema, 404: "Notification introuvable"})
@require_service_token
@rate_limited("API_RATE_LIMIT")
def get_notification(notification_id: str) -> Response:
    try:
        with database().session() as session:
            notification, history = notifications.get(session, notification_id)
            body = notification_schema.dump(notification)
            body["history"] = notification_schema.fields["history"].serialize(
                "history", {"history": history})
    except Refused as exc:
        raise _api_error(exc) from exc
    return jsonify(body)


@bp.post("/api/v1/notifications/<notification_id>/cancel")
@documented("Annuler une notification pas encore envoyée", tags=TAGS, auth="service",
            responses={200: AcceptedSchema, 404: "Notification introuvable",
                       409: "Déjà en cours d'envoi ou envoyée"})
@require_service_token
@rate_limited("API_RATE_LIMIT")
def cancel_notification(notification_id: str) -> Response:
    try:
        with database().session() as session:
            notification = notifications.cancel(session, notification_id, _now())
            body = {"id": notification.id, "status": notification.status}
    except Refused as exc:
        raise _api_error(exc) from exc
    return jsonify(body)
