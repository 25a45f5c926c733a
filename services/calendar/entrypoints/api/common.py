"""What every route of the calendar needs: a unit of work, the clock, loaders."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import current_app, request
from itsdangerous import URLSafeTimedSerializer
from marshmallow import Schema

from services.calendar.adapters.repository import CalendarRepository
from services.calendar.adapters.secrets import SecretBox
from services.calendar.entrypoints.api.schemas import UID_PATTERN
from services.calendar.service_layer.feeds import FeedCache
from services.calendar.service_layer.push import Connect
from shared.errors import ApiError
from shared.web import database, json_body


def now() -> datetime:
    """The request's clock (``CALENDAR_CLOCK`` in tests), to the second."""
    clock = current_app.config.get("CALENDAR_CLOCK")
    moment = clock() if clock is not None else datetime.now(UTC)
    assert isinstance(moment, datetime)
    return moment.replace(microsecond=0)


@contextmanager
def repository() -> Iterator[CalendarRepository]:
    """One unit of work: committed when the block ends without error."""
    with database().session() as session:
        yield CalendarRepository(session)


def load_body(schema: Schema) -> dict[str, Any]:
    loaded: dict[str, Any] = schema.load(json_body())
    return loaded


def load_query(schema: Schema) -> dict[str, Any]:
    loaded: dict[str, Any] = schema.load(request.args.to_dict())
    return loaded


def checked_uid(uid: str) -> str:
    """:raises ApiError: 422 naming ``uid`` when it cannot be an event's UID."""
    if not UID_PATTERN.match(uid) or uid.lower().endswith(".ics"):
        raise ApiError(422, "invalid_input",
                       "uid : 1 à 200 caractères parmi lettres, chiffres et . _ @ + = -",
                       "uid")
    return uid


def box() -> SecretBox:
    found: SecretBox = current_app.extensions["calendar_box"]
    return found


def connector() -> Connect:
    found: Connect = current_app.extensions["calendar_connect"]
    return found


def signer() -> URLSafeTimedSerializer:
    found: URLSafeTimedSerializer = current_app.extensions["calendar_signer"]
    return found


def feed_cache() -> FeedCache:
    found: FeedCache = current_app.extensions["calendar_feed_cache"]
    return found


def public_url(path: str) -> str:
    """``path`` under the configured public base URL (what SMS and planners open)."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/") + path
