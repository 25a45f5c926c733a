"""Busy times: Relais events merged with the planner's CalDAV calendar.

Run on SQLite and PostgreSQL, with a fake calendar and with a real Radicale.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from services.calendar.bootstrap import caldav_connector
from services.calendar.domain import ics, model
from services.calendar.entrypoints.worker import sweep
from tests.integration.calendar.conftest import Api, Clock, FakeCalendars, Radicale
from tests.unit.calendar.samples import STAMP, details

URL = "https://caldav.example.fr/anne/relais/"
RANGE = "from=2026-12-01T00:00:00%2B01:00&to=2026-12-02T00:00:00%2B01:00"


def _busy(api: Api, planner_id: int, query: str = RANGE) -> Any:
    return api.get(f"/api/v1/planners/{planner_id}/busy?{query}")


def _own_event(uid: str, hour: int) -> str:
    start = datetime(2026, 12, 1, hour, tzinfo=UTC)
    return ics.render(model.create(uid, details(start=start, end=start + timedelta(hours=1)))
                      .event, None, STAMP)


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-12-01T00:00:00&to=2026-12-02T00:00:00%2B01:00", "from"),
    ("from=2026-12-01T00:00:00%2B01:00&to=2026-12-02", "to"),
    ("from=2026-12-02T00:00:00%2B01:00&to=2026-12-01T00:00:00%2B01:00", "to"),
    ("from=2026-01-01T00:00:00Z&to=2027-01-03T00:00:00Z", "to"),
    ("to=2026-12-02T00:00:00Z", "from"),
])
def test_bad_ranges_name_the_parameter(api: Api, query: str, field: str) -> None:
    answer = _busy(api, api.planner(), query)
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == field


def test_relais_only_without_caldav(api: Api) -> None:
    anne = api.planner()
    api.event("b1@relais", planner_id=anne)
    api.event("b2@relais", planner_id=anne, start="2026-12-01T14:00:00+01:00",
              end="2026-12-01T15:00:00+01:00")
    api.delete("/api/v1/events/b2@relais")
    api.event("b3@relais", planner_id=api.planner("Bob"))
    answer = _busy(api, anne)
    assert answer.status_code == 200
    assert answer.json == {"periods": [{"start": "2026-12-01T08:00:00+00:00",
                                        "end": "2026-12-01T08:30:00+00:00",
                                        "source": "relais"}],
                           "caldav": "not_configured", "caldav_error": None}
    assert _busy(api, 999).status_code == 404


def test_merged_with_caldav_without_double_counting(api: Api, calendar_app: Flask,
                                                    clock: Clock,
                                                    fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    api.put(f"/api/v1/planners/{anne}/caldav", {"url": URL, "username": "a", "password": "b"})
    api.event("b1@relais", planner_id=anne)
    sweep(calendar_app, clock.moment)  # the Relais event is now in CalDAV too
    fake_calendars.at(URL).put(_own_event("dentiste@perso", 12), "dentiste@perso")
    answer = _busy(api, anne).json
    assert answer["caldav"] == "ok"
    assert [(p["source"], p["start"][:16]) for p in answer["periods"]] == [
        ("relais", "2026-12-01T08:00"), ("caldav", "2026-12-01T13:00")]


def test_caldav_failure_is_reported_not_500(api: Api, fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    api.put(f"/api/v1/planners/{anne}/caldav", {"url": URL, "username": "a", "password": "b"})
    api.event("b1@relais", planner_id=anne)
    fake_calendars.at(URL).down = True
    answer = _busy(api, anne)
    assert answer.status_code == 200
    assert answer.json["caldav"] == "unavailable"
    assert answer.json["caldav_error"]
    assert [p["source"] for p in answer.json["periods"]] == ["relais"]


def test_busy_from_a_real_radicale(api: Api, calendar_app: Flask, radicale: Radicale,
                                   db_backend: str) -> None:
    calendar_app.extensions["calendar_connect"] = caldav_connector(
        calendar_app.extensions["calendar_box"], 5)
    url = radicale.make_calendar("busy", f"busy-{db_backend}")
    from services.calendar.adapters.caldav_client import CaldavCalendar

    CaldavCalendar(url, "busy", "x").put(_own_event("perso-1@ailleurs", 16), "perso-1@ailleurs")
    anne = api.planner()
    api.put(f"/api/v1/planners/{anne}/caldav", {"url": url, "username": "busy",
                                                "password": "x"})
    answer = _busy(api, anne).json
    assert answer["caldav"] == "ok"
    assert [p["source"] for p in answer["periods"]] == ["caldav"]
    assert answer["periods"][0]["start"].startswith("2026-12-01T17:00:00+01:00") or \
        answer["periods"][0]["start"].startswith("2026-12-01T16:00:00+00:00")
