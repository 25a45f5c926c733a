"""What the scheduler's entrypoints share for the workflows: clock, peers, link settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask, current_app

from services.scheduler.adapters.peers import HttpPeers, PeerError, Peers
from services.scheduler.domain.workflows.slots import Interval
from services.scheduler.service_layer import messages
from services.scheduler.service_layer.liaison import BusyRequest

log = logging.getLogger(__name__)
PEERS = "scheduler_peers"


def install(app: Flask) -> None:
    """Configure links in messages and the peers (``PEERS`` in the config replaces them)."""
    messages.configure(app.config["SECRET_KEY"], app.config["PUBLIC_BASE_URL"],
                       app.config.get("ORGANIZER_EMAIL"))
    peers = app.config.get("PEERS") or HttpPeers(
        app.config["NOTIFIER_URL"], app.config["CALENDAR_URL"],
        app.config["SERVICE_TOKEN"] or "")
    app.extensions[PEERS] = peers


def peers(app: Flask | None = None) -> Peers:
    found: Peers = (app or current_app).extensions[PEERS]
    return found


def now(app: Flask | None = None) -> datetime:
    """The current time; tests set ``CLOCK`` to a callable to fix it."""
    clock: Callable[[], datetime] | None = (app or current_app).config.get("CLOCK")
    return clock() if callable(clock) else datetime.now(UTC)


def fetch_busy(request: BusyRequest | None, app: Flask | None = None) -> list[Interval] | None:
    """The planner's busy times; [] when none are needed, None when the calendar is down."""
    if request is None:
        return []
    try:
        return peers(app).busy(request.planner_id, request.start, request.end)
    except PeerError as exc:
        log.warning("calendar busy times unavailable, slots proposed later: %s", exc)
        return None
