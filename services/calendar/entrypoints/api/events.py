"""``/api/v1/events``: create, update, cancel and read events; their ICS; invite links."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify

from services.calendar.adapters.repository import CalendarRepository
from services.calendar.domain import ics
from services.calendar.domain.model import Attendee, EventDetails, Person, Role, Status
from services.calendar.entrypoints.api.common import (
    checked_uid,
    load_body,
    load_query,
    now,
    public_url,
    repository,
    signer,
)
from services.calendar.entrypoints.api.schemas import (
    EventInSchema,
    EventOutSchema,
    IcsQuerySchema,
    InviteLinkSchema,
)
from services.calendar.entrypoints.api.views import event_json
from services.calendar.service_layer import events
from services.calendar.service_layer.errors import Conflict
from shared.auth import require_service_token
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("events", __name__)
TAGS = ("événements",)
event_out = EventOutSchema()
METHOD_PARAMETER = [{"name": "method", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["REQUEST", "CANCEL", "PUBLISH"],
                                "default": "REQUEST"}}]


def details_of(fields: dict[str, Any]) -> EventDetails:
    """The domain's event details from a loaded ``EventInSchema``."""
    organizer = fields["organizer"]
    return EventDetails(
        start=fields["start"], end=fields["end"], summary=fields["summary"],
        organizer=Person(organizer["name"], organizer["email"]),
        description=fields["description"], location=fields["location"],
        video_url=fields["video_url"],
        attendees=tuple(Attendee(a["name"], a["email"], Role(a["role"]))
                        for a in fields["attendees"]),
        status=Status(fields["status"]), timezone=fields["timezone"],
        planner_id=fields["planner_id"],
    )


@bp.put("/api/v1/events/<uid>")
@documented("Créer ou modifier un événement (même UID, SEQUENCE relevée si utile)", tags=TAGS,
            request=EventInSchema, auth="service",
            responses={200: EventOutSchema, 201: EventOutSchema,
                       404: "Planificateur introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def put_event(uid: str) -> tuple[Response, int]:
    fields = load_body(EventInSchema())
    details = details_of(fields)
    with repository() as repo:
        done = events.upsert_event(repo, checked_uid(uid), details, now(),
                                   send_invites=fields["send_invites"])
        body = event_out.dump(event_json(done.view))
    return jsonify(body), 201 if done.created else 200


@bp.get("/api/v1/events/<uid>")
@documented("Lire un événement, l'état de sa synchronisation CalDAV et de ses invitations",
            tags=TAGS,
            auth="service", responses={200: EventOutSchema, 404: "Événement introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def get_event(uid: str) -> Response:
    with repository() as repo:
        return jsonify(event_out.dump(event_json(events.get_event(repo, checked_uid(uid)))))


@bp.delete("/api/v1/events/<uid>")
@documented("Annuler un événement (METHOD:CANCEL, SEQUENCE relevée)", tags=TAGS,
            auth="service", responses={200: EventOutSchema, 404: "Événement introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def cancel_event(uid: str) -> Response:
    with repository() as repo:
        view = events.cancel_event(repo, checked_uid(uid), now())
        return jsonify(event_out.dump(event_json(view)))


def ics_response(text: str, filename: str = "invitation.ics") -> Response:
    response = Response(text.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def render_event(repo: CalendarRepository, uid: str, method: ics.Method,
                 with_attendees: bool = True) -> str:
    """The ICS of ``uid`` for ``method``; a method that contradicts the status is refused."""
    view = events.get_event(repo, uid)
    if method is ics.Method.CANCEL and not view.event.cancelled:
        raise Conflict("événement non annulé : envoyez DELETE avant METHOD=CANCEL", "method")
    if method is ics.Method.REQUEST and view.event.cancelled:
        raise Conflict("événement annulé : utilisez METHOD=CANCEL", "method")
    return ics.render(view.event, method, view.updated_at, with_attendees)


@bp.get("/api/v1/events/<uid>.ics")
@documented("ICS de l'événement (REQUEST, CANCEL ou PUBLISH), pour le notifier", tags=TAGS,
            auth="service", content_type="text/calendar", parameters=METHOD_PARAMETER,
            responses={200: "text/calendar; charset=utf-8", 404: "Événement introuvable",
                       409: "Méthode contraire au statut de l'événement"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def event_ics(uid: str) -> Response:
    method = ics.Method(load_query(IcsQuerySchema())["method"])
    with repository() as repo:
        text = render_event(repo, checked_uid(uid), method)
    return ics_response(text)


@bp.post("/api/v1/events/<uid>/links")
@documented("Lien public signé « ajouter à mon agenda » (pour le SMS du salarié)", tags=TAGS,
            auth="service", responses={201: InviteLinkSchema, 404: "Événement introuvable"})
@rate_limited("CALENDAR_API_RATE_LIMIT")
@require_service_token
def create_invite_link(uid: str) -> tuple[Response, int]:
    with repository() as repo:
        events.get_event(repo, checked_uid(uid))
    token = signer().dumps({"uid": uid})
    body = {"url": public_url(f"/i/{token}.ics"),
            "expires_in": int(current_app.config["INVITE_LINK_MAX_AGE"])}
    return jsonify(InviteLinkSchema().dump(body)), 201
