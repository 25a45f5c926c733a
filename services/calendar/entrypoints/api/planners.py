"""``/api/v1/planners``: planners, their feed tokens, CalDAV calendar and busy times."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from services.calendar.entrypoints.api.common import (
    box,
    connector,
    load_body,
    load_query,
    now,
    repository,
)
from services.calendar.entrypoints.api.schemas import (
    BusyAnswerSchema,
    BusyQuerySchema,
    CaldavInSchema,
    CaldavOutSchema,
    FeedTokenSchema,
    PlannerInSchema,
    PlannerOutSchema,
)
from services.calendar.entrypoints.api.views import feed_urls, planner_json
from services.calendar.service_layer import busy as busy_times
from services.calendar.service_layer import feeds, planners
from shared.auth import require_service_token
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("planners", __name__)
TAGS = ("planificateurs",)
BUSY_PARAMETERS = [
    {"name": name, "in": "query", "required": True,
     "schema": {"type": "string", "format": "date-time"}, "description": text}
    for name, text in (("from", "début, avec fuseau horaire"),
                       ("to", "fin, avec fuseau horaire (366 jours au plus après from)"))
]


@bp.post("/api/v1/planners")
@documented("Enregistrer un planificateur", tags=TAGS, request=PlannerInSchema,
            auth="service", responses={201: PlannerOutSchema})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def create_planner() -> tuple[Response, int]:
    fields = load_body(PlannerInSchema())
    with repository() as repo:
        planner = planners.create_planner(repo, fields["name"], fields["email"],
                                          fields["spst_id"], now())
        body = PlannerOutSchema().dump(planner_json(planner, None, False))
    return jsonify(body), 201


@bp.get("/api/v1/planners/<int:planner_id>")
@documented("Lire un planificateur", tags=TAGS, auth="service",
            responses={200: PlannerOutSchema, 404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def get_planner(planner_id: int) -> Response:
    with repository() as repo:
        planner = planners.get_planner(repo, planner_id)
        body = planner_json(planner, repo.caldav_account(planner_id),
                            repo.has_active_token(planner_id))
        return jsonify(PlannerOutSchema().dump(body))


@bp.post("/api/v1/planners/<int:planner_id>/feed-token")
@documented("Créer ou remplacer le lien d'abonnement (l'ancien cesse de fonctionner ; "
            "le nouveau n'est montré qu'une fois)", tags=TAGS, auth="service",
            responses={201: FeedTokenSchema, 404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def rotate_feed_token(planner_id: int) -> tuple[Response, int, dict[str, str]]:
    with repository() as repo:
        token = feeds.issue_token(repo, planner_id, now())
    return jsonify(FeedTokenSchema().dump(feed_urls(token))), 201, {"Cache-Control": "no-store"}


@bp.delete("/api/v1/planners/<int:planner_id>/feed-token")
@documented("Révoquer le lien d'abonnement", tags=TAGS, auth="service",
            responses={204: "Révoqué", 404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def revoke_feed_token(planner_id: int) -> tuple[str, int]:
    with repository() as repo:
        feeds.revoke_tokens(repo, planner_id, now())
    return "", 204


@bp.put("/api/v1/planners/<int:planner_id>/caldav")
@documented("Relier l'agenda CalDAV du planificateur (mot de passe chiffré, jamais renvoyé)",
            tags=TAGS, request=CaldavInSchema, auth="service",
            responses={200: CaldavOutSchema, 404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def set_caldav(planner_id: int) -> Response:
    fields = load_body(CaldavInSchema())
    with repository() as repo:
        account = planners.set_caldav(repo, box(), planner_id, fields["url"],
                                      fields["username"], fields["password"], now())
        body = {"url": account.url, "username": account.username, "configured": True}
    return jsonify(CaldavOutSchema().dump(body))


@bp.get("/api/v1/planners/<int:planner_id>/busy")
@documented("Créneaux occupés (Relais et agenda CalDAV)", tags=TAGS, auth="service",
            parameters=BUSY_PARAMETERS,
            responses={200: BusyAnswerSchema, 404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def busy(planner_id: int) -> Response:
    query = load_query(BusyQuerySchema())
    start, end = query["start"], query["end"]
    with repository() as repo:
        known = busy_times.relais_busy(repo, planner_id, start, end)
    answer = busy_times.busy_times(known, connector(), start, end)
    body = {
        "periods": [{"start": p.start, "end": p.end, "source": p.source.value}
                    for p in answer.periods],
        "caldav": answer.caldav, "caldav_error": answer.caldav_error,
    }
    return jsonify(BusyAnswerSchema().dump(body))
