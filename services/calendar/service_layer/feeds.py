"""Planners' subscription feeds: secret tokens, versions, and the feed text.

A token is shown once and stored as its SHA-256. Resolving a token does the
same work whether it exists or not (one hash, one indexed lookup, one
constant-time comparison), so an unknown token is answered as fast as a
known one.

A feed's version is the planner's ``feed_revision`` (raised in the transaction
of every change to one of their events) plus the day (the window slides
daily): the ETag comes from it without rendering or scanning events, so a 304
costs the token lookup and one primary-key read. The rendered text is cached per planner
under that ETag.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.calendar.adapters import secrets
from services.calendar.adapters.orm import FeedToken, Planner
from services.calendar.adapters.repository import CalendarRepository, to_event
from services.calendar.domain import ics
from services.calendar.domain.model import PARIS
from services.calendar.service_layer.errors import NotFound
from services.calendar.service_layer.events import render_feed_vevent

PAST = timedelta(days=30)
AHEAD = timedelta(days=365)
_NO_TOKEN = "0" * 64
_PARIS = ZoneInfo(PARIS)


def issue_token(repo: CalendarRepository, planner_id: int, now: datetime) -> str:
    """A new feed token for the planner; the previous ones stop working.

    :raises NotFound: for an unknown planner.
    """
    _planner(repo, planner_id)
    repo.revoke_tokens(planner_id, now)
    token = secrets.new_token()
    repo.add(FeedToken(planner_id=planner_id, token_hash=secrets.token_hash(token),
                       created_at=now))
    return token


def revoke_tokens(repo: CalendarRepository, planner_id: int, now: datetime) -> int:
    """Stop every feed token of the planner; the number revoked."""
    _planner(repo, planner_id)
    return repo.revoke_tokens(planner_id, now)


def resolve(repo: CalendarRepository, token: str) -> int | None:
    """The planner whose active token this is, or None.

    The same steps run for every token: hash, one lookup by hash, one
    constant-time comparison against the stored hash (or a dummy one).
    """
    digest = secrets.token_hash(token)
    found = repo.token_by_hash(digest)
    stored = found.token_hash if found is not None else _NO_TOKEN
    same = hmac.compare_digest(stored, digest)
    if not same or found is None or found.revoked_at is not None:
        return None
    return found.planner_id


def _planner(repo: CalendarRepository, planner_id: int) -> Planner:
    planner = repo.planner(planner_id)
    if planner is None:
        raise NotFound("planificateur introuvable")
    return planner


@dataclass(frozen=True)
class FeedVersion:
    """What identifies a feed's content, known without rendering it."""

    etag: str
    last_modified: datetime
    day: date


def window(day: date) -> tuple[datetime, datetime]:
    """From 30 days before ``day`` (midnight, Paris) to 12 months after."""
    midnight = datetime.combine(day, time(0), tzinfo=_PARIS)
    return midnight - PAST, midnight + AHEAD


def version(planner: Planner, now: datetime) -> FeedVersion:
    """The feed's version from the planner's row alone (no query over events)."""
    day = now.astimezone(_PARIS).date()
    seed = f"{planner.id}|{planner.feed_revision}|{day}|{ics.RENDER_VERSION}|{planner.name}"
    etag = hashlib.sha256(seed.encode()).hexdigest()[:32]
    return FeedVersion(etag, planner.feed_changed_at or planner.created_at, day)


def render(repo: CalendarRepository, planner: Planner, day: date) -> str:
    """The feed text: stored VEVENTs joined, re-rendering only outdated ones."""
    start, end = window(day)
    rows = repo.feed_rows(planner.id, start, end)
    stale = [row_id for row_id, _, v in rows if v != ics.RENDER_VERSION]
    fresh: dict[int, str] = {}
    if stale:
        for row in repo.rows_by_id(stale):
            render_feed_vevent(row, to_event(row))
            fresh[row.id] = row.feed_vevent
    vevents = (fresh.get(row_id, text) for row_id, text, _ in rows)
    return ics.assemble(ics.Method.PUBLISH, vevents, name=f"Relais – {planner.name}")


class FeedCache:
    """The last rendered feed of recent planners, keyed by ETag (per process)."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[int, tuple[str, bytes]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, planner_id: int, etag: str) -> bytes | None:
        with self._lock:
            item = self._items.get(planner_id)
            if item is None or item[0] != etag:
                return None
            self._items.move_to_end(planner_id)
            return item[1]

    def put(self, planner_id: int, etag: str, body: bytes) -> None:
        with self._lock:
            self._items[planner_id] = (etag, body)
            self._items.move_to_end(planner_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
