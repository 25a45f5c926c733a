"""Public calendar URLs: planners' feeds and employees' signed "add to calendar" links.

No bearer token here: the feed token and the signature are the secrets. Both
answer French JSON errors; an unknown feed token costs the same work as a
known one (see :func:`services.calendar.service_layer.feeds.resolve`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request
from itsdangerous import BadSignature, SignatureExpired

from services.calendar.domain import ics
from services.calendar.entrypoints.api.common import (
    checked_uid,
    feed_cache,
    now,
    repository,
    signer,
)
from services.calendar.entrypoints.api.events import ics_response, render_event
from services.calendar.service_layer import feeds
from shared.errors import ApiError
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("feeds", __name__)
TAGS = ("abonnements",)
UNKNOWN_FEED = "Lien d'abonnement inconnu ou révoqué. Demandez un nouveau lien à votre SPST."


def _not_modified(version: feeds.FeedVersion) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(version.etag)
    since = request.if_modified_since
    return since is not None and version.last_modified.replace(microsecond=0) <= since


@bp.get("/feeds/<token>.ics")
@documented("Flux d'abonnement d'un planificateur (30 jours passés, 12 mois à venir)",
            tags=TAGS, content_type="text/calendar",
            responses={200: "text/calendar; charset=utf-8", 304: "Inchangé",
                       404: "Lien inconnu ou révoqué"})
@rate_limited("FEED_RATE_LIMIT")
def planner_feed(token: str) -> Response:
    moment = now()
    with repository() as repo:
        planner_id = feeds.resolve(repo, token)
        planner = repo.planner(planner_id) if planner_id is not None else None
        if planner is None:
            raise ApiError(404, "not_found", UNKNOWN_FEED)
        version = feeds.version(planner, moment)
        if _not_modified(version):
            response = Response(status=304)
        else:
            cache = feed_cache()
            body = cache.get(planner.id, version.etag)
            if body is None:
                body = feeds.render(repo, planner, version.day).encode("utf-8")
                cache.put(planner.id, version.etag, body)
            response = Response(body, content_type="text/calendar; charset=utf-8")
            response.headers["Content-Disposition"] = 'inline; filename="relais.ics"'
    response.set_etag(version.etag)
    response.last_modified = version.last_modified
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _uid_of(token: str) -> str:
    max_age = int(current_app.config["INVITE_LINK_MAX_AGE"])
    try:
        payload: Any = signer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ApiError(410, "expired",
                       "Ce lien a expiré. Le rendez-vous figure dans votre dernier SMS "
                       "ou auprès de votre SPST.") from exc
    except BadSignature as exc:
        raise ApiError(404, "not_found", "Lien invalide ou incomplet.") from exc
    uid = payload.get("uid") if isinstance(payload, dict) else None
    if not isinstance(uid, str):
        raise ApiError(404, "not_found", "Lien invalide ou incomplet.")
    return checked_uid(uid)


@bp.get("/i/<token>.ics")
@documented("Ajouter le rendez-vous à son agenda (lien signé du SMS)", tags=TAGS,
            content_type="text/calendar",
            responses={200: "text/calendar; charset=utf-8", 404: "Lien invalide",
                       410: "Lien expiré"})
@rate_limited("FEED_RATE_LIMIT")
def invite_link(token: str) -> Response:
    uid = _uid_of(token)
    with repository() as repo:
        text = render_event(repo, uid, ics.Method.PUBLISH, with_attendees=False)
    return ics_response(text, "rendez-vous.ics")
