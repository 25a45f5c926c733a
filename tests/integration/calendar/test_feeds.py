"""Planners' feeds: tokens (rotate, revoke, constant work), window, ETag, 304.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import icalendar
import pytest
import vobject
from flask import Flask
from sqlalchemy import event

from services.calendar.adapters import secrets
from services.calendar.adapters.repository import CalendarRepository
from services.calendar.service_layer import feeds
from shared.web import database
from tests.integration.calendar.conftest import PUBLIC, Api, Clock


def _feed_path(url: str) -> str:
    assert url.startswith(PUBLIC)
    return url[len(PUBLIC):]


def _subscribe(api: Api, planner_id: int) -> dict[str, str]:
    answer = api.post(f"/api/v1/planners/{planner_id}/feed-token")
    assert answer.status_code == 201
    assert answer.headers["Cache-Control"] == "no-store"
    urls: dict[str, str] = answer.json
    return urls


def _uids(text: str) -> list[str]:
    return [str(e["UID"]) for e in icalendar.Calendar.from_ical(text).events]


def test_feed_lists_the_window_of_the_planner(api: Api) -> None:
    anne, bob = api.planner("Anne"), api.planner("Bob")
    api.event("past-40@r", planner_id=anne, start="2026-10-14T09:00:00+02:00",
              end="2026-10-14T10:00:00+02:00")
    api.event("past-20@r", planner_id=anne, start="2026-11-03T09:00:00+01:00",
              end="2026-11-03T10:00:00+01:00")
    api.event("next@r", planner_id=anne)
    api.event("in-13-months@r", planner_id=anne, start="2027-12-24T09:00:00+01:00",
              end="2027-12-24T10:00:00+01:00")
    api.event("bobs@r", planner_id=bob)
    api.event("gone@r", planner_id=anne)
    api.delete("/api/v1/events/gone@r")
    urls = _subscribe(api, anne)
    assert urls["webcal_url"] == "webcal://" + urls["url"].split("://", 1)[1]
    answer = api.client.get(_feed_path(urls["url"]))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = answer.get_data(as_text=True)
    assert _uids(text) == ["past-20@r", "next@r"]
    assert icalendar.Calendar.from_ical(text)["METHOD"] == "PUBLISH"
    assert len(list(vobject.readOne(text).vevent_list)) == 2


def test_etag_last_modified_and_304(api: Api, clock: Clock) -> None:
    anne = api.planner()
    api.event("a@r", planner_id=anne)
    clock.advance(minutes=3)
    api.event("b@r", planner_id=anne)
    path = _feed_path(_subscribe(api, anne)["url"])
    first = api.client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert parsedate_to_datetime(modified) == clock.moment
    assert api.client.get(path, headers={"If-None-Match": etag}).status_code == 304
    assert api.client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    not_modified = api.client.get(path, headers={"If-None-Match": etag})
    assert not_modified.headers["ETag"] == etag and not_modified.data == b""
    assert api.client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    clock.advance(minutes=1)
    api.event("a@r", planner_id=anne, summary="Visite de pré-reprise")
    changed = api.client.get(path, headers={"If-None-Match": etag,
                                           "If-Modified-Since": modified})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "pré-reprise" in changed.get_data(as_text=True)
    assert api.client.get(path, headers={"If-Modified-Since": modified}).status_code == 200


def test_a_cancel_changes_the_etag(api: Api, clock: Clock) -> None:
    anne = api.planner()
    api.event("a@r", planner_id=anne)
    path = _feed_path(_subscribe(api, anne)["url"])
    etag = api.client.get(path).headers["ETag"]
    clock.advance(seconds=1)
    api.delete("/api/v1/events/a@r")
    answer = api.client.get(path, headers={"If-None-Match": etag})
    assert answer.status_code == 200 and _uids(answer.get_data(as_text=True)) == []


def test_the_next_day_is_a_new_version(api: Api, clock: Clock) -> None:
    anne = api.planner()
    api.event("a@r", planner_id=anne)
    path = _feed_path(_subscribe(api, anne)["url"])
    etag = api.client.get(path).headers["ETag"]
    clock.advance(days=1)
    assert api.client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_rotate_revokes_the_old_token_and_delete_revokes_all(api: Api) -> None:
    anne = api.planner()
    old = _feed_path(_subscribe(api, anne)["url"])
    assert api.client.get(old).status_code == 200
    new = _feed_path(_subscribe(api, anne)["url"])
    assert new != old
    assert api.client.get(old).status_code == 404
    assert api.client.get(new).status_code == 200
    assert api.get(f"/api/v1/planners/{anne}").json["feed_active"] is True
    assert api.delete(f"/api/v1/planners/{anne}/feed-token").status_code == 204
    gone = api.client.get(new)
    assert gone.status_code == 404
    assert "révoqué" in gone.json["error"]["message"]
    assert api.get(f"/api/v1/planners/{anne}").json["feed_active"] is False
    assert api.post("/api/v1/planners/999/feed-token").status_code == 404
    assert api.client.post(f"/api/v1/planners/{anne}/feed-token").status_code == 401


def test_tokens_are_stored_hashed(calendar_app: Flask, api: Api) -> None:
    anne = api.planner()
    token = _subscribe(api, anne)["token"]
    with database(calendar_app).engine.connect() as connection:
        stored = [r[0] for r in connection.exec_driver_sql("SELECT token_hash FROM feed_tokens")]
    assert stored == [secrets.token_hash(token)]
    assert token not in stored


REAL_HASH, REAL_COMPARE = secrets.token_hash, hmac.compare_digest


@contextmanager
def _counting(calendar_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    counts = {"hash": 0, "sql": 0, "compare": 0}

    def hashing(token: str) -> str:
        counts["hash"] += 1
        return REAL_HASH(token)

    def comparing(a: Any, b: Any) -> bool:
        counts["compare"] += 1
        return REAL_COMPARE(a, b)

    def statement(*_: Any) -> None:
        counts["sql"] += 1

    monkeypatch.setattr(feeds.secrets, "token_hash", hashing)
    monkeypatch.setattr(feeds.hmac, "compare_digest", comparing)
    engine = database(calendar_app).engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        monkeypatch.undo()


def test_unknown_and_known_tokens_cost_the_same_work(
        calendar_app: Flask, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """No timing assertion (flaky): the same steps, counted, on both paths."""
    anne = api.planner()
    token = _subscribe(api, anne)["token"]
    bob = api.planner("Bob")
    revoked = _subscribe(api, bob)["token"]
    api.delete(f"/api/v1/planners/{bob}/feed-token")
    seen: dict[str, dict[str, int]] = {}
    with database(calendar_app).session() as session:
        repo = CalendarRepository(session)
        repo.planner(anne)  # open the connection outside the counts
        for name, candidate in (("known", token), ("unknown", "x" * len(token)),
                                ("revoked", revoked)):
            with _counting(calendar_app, monkeypatch) as counts:
                found = feeds.resolve(repo, candidate)
            seen[name] = counts
            assert (found == anne) is (name == "known")
    assert seen["known"] == seen["unknown"] == seen["revoked"] == {
        "hash": 1, "sql": 1, "compare": 1}


def test_feed_of_a_thousand_events_is_cached(calendar_app: Flask, api: Api) -> None:
    from services.calendar.adapters.orm import EventRow
    from services.calendar.adapters.repository import write_event
    from services.calendar.domain.model import create
    from services.calendar.service_layer.events import render_feed_vevent
    from tests.unit.calendar.samples import details

    anne = api.planner()
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with database(calendar_app).session() as session:
        for i in range(1000):
            row = EventRow(created_at=now, updated_at=now)
            event_ = create(f"bulk-{i}@r", details(planner_id=anne)).event
            write_event(row, event_)
            render_feed_vevent(row, event_)
            session.add(row)
    path = _feed_path(_subscribe(api, anne)["url"])
    first = api.client.get(path)
    assert len(_uids(first.get_data(as_text=True))) == 1000
    cache = calendar_app.extensions["calendar_feed_cache"]
    assert cache.get(anne, first.headers["ETag"].strip('"')) == first.data
