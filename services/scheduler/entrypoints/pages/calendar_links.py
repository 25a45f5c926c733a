"""The two calls the pages make to the calendar service.

- the employee's "add to my calendar": a short-lived signed ICS link of the
  appointment's event (``POST /api/v1/events/{uid}/links``);
- the planner's subscription feed: a new token (``POST
  /api/v1/planners/{id}/feed-token``), shown once, the previous one revoked.

Both are behind :class:`CalendarPort` so that tests replace the HTTP client
(``app.extensions["relais_pages_calendar"]``). A failure is logged and answered
None: the page then says that the service is unavailable, never a 500.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote

from flask import current_app

from shared.client import ServiceClient, ServiceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedUrls:
    url: str
    webcal_url: str


class CalendarPort(Protocol):
    def ics_url(self, uid: str) -> str | None: ...

    def rotate_feed(self, calendar_planner_id: int) -> FeedUrls | None: ...


class HttpCalendar:
    """The calendar service over HTTP, with the service token."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    def ics_url(self, uid: str) -> str | None:
        try:
            answer = self.client.post(f"/api/v1/events/{quote(uid, safe='')}/links")
        except ServiceError as exc:
            log.warning("calendar invite link for %s failed: %s", uid, exc)
            return None
        url = answer.get("url") if isinstance(answer, dict) else None
        return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None

    def rotate_feed(self, calendar_planner_id: int) -> FeedUrls | None:
        try:
            answer = self.client.post(f"/api/v1/planners/{calendar_planner_id}/feed-token")
        except ServiceError as exc:
            log.warning("feed token of planner %s failed: %s", calendar_planner_id, exc)
            return None
        if not isinstance(answer, dict) or not isinstance(answer.get("url"), str):
            return None
        return FeedUrls(answer["url"], str(answer.get("webcal_url") or answer["url"]))


def calendar() -> CalendarPort:
    """The app's calendar port (created on first use)."""
    port: CalendarPort | None = current_app.extensions.get("relais_pages_calendar")
    if port is None:
        client = ServiceClient(current_app.config["CALENDAR_URL"],
                               current_app.config["SERVICE_TOKEN"] or "",
                               timeout=(2.0, 5.0), retries=0)
        port = HttpCalendar(client)
        current_app.extensions["relais_pages_calendar"] = port
    return port


def ics_url(uid: str) -> str | None:
    return calendar().ics_url(uid)


def rotate_feed(calendar_planner_id: int) -> FeedUrls | None:
    return calendar().rotate_feed(calendar_planner_id)
