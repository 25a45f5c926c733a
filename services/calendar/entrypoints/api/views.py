"""How events and planners look in the API's answers."""

from __future__ import annotations

from typing import Any

from flask import url_for

from services.calendar.adapters.orm import CaldavAccount, InviteRow, Planner
from services.calendar.domain.model import PARIS
from services.calendar.entrypoints.api.common import public_url
from services.calendar.service_layer.events import EventView


def _local(view: EventView) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(view.event.details.timezone or PARIS)


def invite_json(invite: InviteRow) -> dict[str, Any]:
    """One invitation e-mail's delivery state (``next_attempt_at`` only while it waits)."""
    return {
        "email": invite.email, "method": invite.method, "sequence": invite.sequence,
        "status": invite.status, "attempts": invite.attempts, "last_error": invite.last_error,
        "next_attempt_at": invite.next_attempt_at if invite.status == "pending" else None,
        "delivered_at": invite.delivered_at, "notification_id": invite.notification_id,
    }


def event_json(view: EventView) -> dict[str, Any]:
    """The event with its push and invitation states and the URLs the notifier needs."""
    event, details, zone = view.event, view.event.details, _local(view)
    push = view.push
    ics = url_for("events.event_ics", uid=event.uid)
    return {
        "uid": event.uid, "sequence": event.sequence, "status": details.status.value,
        "start": details.start.astimezone(zone), "end": details.end.astimezone(zone),
        "timezone": details.timezone, "summary": details.summary,
        "description": details.description, "location": details.location,
        "video_url": details.video_url,
        "organizer": {"name": details.organizer.name, "email": details.organizer.email},
        "attendees": [{"name": a.name, "email": a.email, "role": a.role.value}
                      for a in details.attendees],
        "planner_id": details.planner_id,
        "created_at": view.created_at, "updated_at": view.updated_at,
        "caldav": None if push is None else {
            "status": push.status, "attempts": push.attempts, "last_error": push.last_error,
            "next_attempt_at": push.next_attempt_at if push.status == "pending" else None,
            "pushed_at": push.pushed_at,
        },
        "send_invites": view.send_invites,
        "invites": [invite_json(invite) for invite in view.invites],
        "links": {
            "self": url_for("events.get_event", uid=event.uid),
            "ics_request": f"{ics}?method=REQUEST",
            "ics_cancel": f"{ics}?method=CANCEL",
            "ics_publish": f"{ics}?method=PUBLISH",
            "invite_link": url_for("events.create_invite_link", uid=event.uid),
        },
    }


def feed_urls(token: str) -> dict[str, str]:
    """The https and webcal forms of a feed URL."""
    url = public_url(f"/feeds/{token}.ics")
    webcal = "webcal://" + url.split("://", 1)[-1]
    return {"token": token, "url": url, "webcal_url": webcal}


def planner_json(planner: Planner, account: CaldavAccount | None,
                 feed_active: bool) -> dict[str, Any]:
    return {
        "id": planner.id, "name": planner.name, "email": planner.email,
        "spst_id": planner.spst_id, "feed_active": feed_active,
        "caldav": None if account is None else {"url": account.url,
                                                "username": account.username},
        "links": {
            "self": url_for("planners.get_planner", planner_id=planner.id),
            "feed_token": url_for("planners.rotate_feed_token", planner_id=planner.id),
            "caldav": url_for("planners.set_caldav", planner_id=planner.id),
            "busy": url_for("planners.busy", planner_id=planner.id),
        },
    }
