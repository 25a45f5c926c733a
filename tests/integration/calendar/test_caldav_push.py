"""CalDAV push: the outbox, the worker's sweep, retries, and a real Radicale.

The sweep tests run on SQLite and PostgreSQL with a fake calendar; the
Radicale tests check what really lands on the server, and the way back after
the server was down.
"""

from __future__ import annotations

import icalendar
import pytest
from flask import Flask

from services.calendar.adapters.caldav_client import CaldavCalendar
from services.calendar.entrypoints.worker import sweep
from services.calendar.service_layer.outbox import MAX_ATTEMPTS
from shared.web import database
from tests.integration.calendar.conftest import Api, Clock, FakeCalendars, Radicale

CALDAV_URL = "https://caldav.example.fr/anne/relais/"


def _connect(api: Api, planner_id: int, url: str = CALDAV_URL) -> None:
    answer = api.put(f"/api/v1/planners/{planner_id}/caldav",
                     {"url": url, "username": "anne", "password": "très secret"})
    assert answer.status_code == 200, answer.json
    assert "password" not in answer.json


def _state(api: Api, uid: str) -> dict[str, object]:
    state: dict[str, object] = api.get(f"/api/v1/events/{uid}").json["caldav"]
    return state


def test_password_is_encrypted_at_rest_and_never_returned(api: Api, calendar_app: Flask) -> None:
    anne = api.planner()
    _connect(api, anne)
    with database(calendar_app).engine.connect() as connection:
        [stored] = [r[0] for r in connection.exec_driver_sql(
            "SELECT password_encrypted FROM caldav_accounts")]
    assert "très secret" not in stored
    assert calendar_app.extensions["calendar_box"].open(stored) == "très secret"
    planner = api.get(f"/api/v1/planners/{anne}").json
    assert planner["caldav"] == {"url": CALDAV_URL, "username": "anne"}
    assert "secret" not in str(planner)


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "pas une url", "username": "a", "password": "b"}, "url"),
    ({"url": CALDAV_URL, "username": "", "password": "b"}, "username"),
    ({"url": CALDAV_URL, "username": "a"}, "password"),
])
def test_caldav_input_is_checked(api: Api, body: dict[str, str], field: str) -> None:
    anne = api.planner()
    answer = api.put(f"/api/v1/planners/{anne}/caldav", body)
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == field


def test_changes_are_pushed_by_the_sweep(calendar_app: Flask, api: Api, clock: Clock,
                                        fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    _connect(api, anne)
    created = api.event("p1@relais", planner_id=anne)
    assert created["caldav"]["status"] == "pending"
    remote = fake_calendars.at(CALDAV_URL)
    assert remote.events == {}  # nothing leaves before the worker runs
    report = sweep(calendar_app, clock.moment)
    assert report.delivered == 1
    assert _state(api, "p1@relais") == {**_state(api, "p1@relais"), "status": "done",
                                        "attempts": 1, "last_error": None}
    stored = icalendar.Calendar.from_ical(remote.events["p1@relais"])
    assert "METHOD" not in stored  # a CalDAV resource carries no iTIP method
    api.event("p1@relais", planner_id=anne, location="Autre lieu")
    sweep(calendar_app, clock.moment)
    assert icalendar.Calendar.from_ical(remote.events["p1@relais"]).events[0]["SEQUENCE"] == 1
    api.delete("/api/v1/events/p1@relais")
    sweep(calendar_app, clock.moment)
    assert "p1@relais" not in remote.events
    assert remote.calls == [("put", "p1@relais"), ("put", "p1@relais"), ("delete", "p1@relais")]
    assert sweep(calendar_app, clock.moment).delivered == 0


def test_failures_are_retried_with_backoff_and_visible(calendar_app: Flask, api: Api,
                                                      clock: Clock,
                                                      fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    _connect(api, anne)
    api.event("p2@relais", planner_id=anne)
    remote = fake_calendars.at(CALDAV_URL)
    remote.down = True
    assert sweep(calendar_app, clock.moment).failed == 1
    state = _state(api, "p2@relais")
    assert (state["status"], state["attempts"]) == ("pending", 1)
    assert "injoignable" in str(state["last_error"])
    assert sweep(calendar_app, clock.moment).failed == 0  # not due yet
    clock.advance(seconds=15)
    assert sweep(calendar_app, clock.moment).failed == 1
    assert _state(api, "p2@relais")["attempts"] == 2
    remote.down = False
    clock.advance(minutes=5)
    assert sweep(calendar_app, clock.moment).delivered == 1
    state = _state(api, "p2@relais")
    assert (state["status"], state["attempts"], state["last_error"]) == ("done", 3, None)


def test_gives_up_after_max_attempts_until_the_next_change(
        calendar_app: Flask, api: Api, clock: Clock, fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    _connect(api, anne)
    api.event("p3@relais", planner_id=anne)
    fake_calendars.at(CALDAV_URL).down = True
    for _ in range(MAX_ATTEMPTS):
        sweep(calendar_app, clock.moment)
        clock.advance(hours=2)
    assert _state(api, "p3@relais")["status"] == "failed"
    assert sweep(calendar_app, clock.moment).failed == 0
    fake_calendars.at(CALDAV_URL).down = False
    api.event("p3@relais", planner_id=anne, summary="Visite décalée")
    assert sweep(calendar_app, clock.moment).delivered == 1


def test_a_change_during_a_push_is_pushed_again(calendar_app: Flask, api: Api, clock: Clock,
                                               fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    _connect(api, anne)
    api.event("p4@relais", planner_id=anne)
    remote = fake_calendars.at(CALDAV_URL)
    real_put = remote.put

    def put_then_change(text: str, uid: str) -> None:
        real_put(text, uid)
        api.event("p4@relais", planner_id=anne, summary="Changé pendant l'envoi")

    remote.put = put_then_change  # type: ignore[method-assign]
    sweep(calendar_app, clock.moment)
    remote.put = real_put  # type: ignore[method-assign]
    assert _state(api, "p4@relais")["status"] == "pending"
    sweep(calendar_app, clock.moment)
    assert "Changé pendant" in remote.events["p4@relais"]


def test_connecting_a_calendar_pushes_coming_events(calendar_app: Flask, api: Api,
                                                    clock: Clock,
                                                    fake_calendars: FakeCalendars) -> None:
    anne = api.planner()
    api.event("p5@relais", planner_id=anne)
    api.event("old@relais", planner_id=anne, start="2026-01-05T09:00:00+01:00",
              end="2026-01-05T10:00:00+01:00")
    _connect(api, anne)
    sweep(calendar_app, clock.moment)
    assert set(fake_calendars.at(CALDAV_URL).events) == {"p5@relais"}


# -- a real Radicale -------------------------------------------------------------


@pytest.fixture
def real_connector(calendar_app: Flask) -> None:
    """Put the real CalDAV connector back (other fixtures may swap in fakes)."""
    from services.calendar.bootstrap import caldav_connector

    calendar_app.extensions["calendar_connect"] = caldav_connector(
        calendar_app.extensions["calendar_box"], 5)


@pytest.mark.usefixtures("real_connector")
def test_push_create_update_delete_on_radicale(calendar_app: Flask, api: Api, clock: Clock,
                                               radicale: Radicale, db_backend: str) -> None:
    url = radicale.make_calendar("anne", f"relais-{db_backend}")
    anne = api.planner()
    _connect(api, anne, url)
    direct = CaldavCalendar(url, "anne", "x", timeout=5)
    api.event("r1@relais", planner_id=anne)
    assert sweep(calendar_app, clock.moment).delivered == 1
    stored = direct.get("r1@relais")
    assert stored is not None
    event = icalendar.Calendar.from_ical(stored).events[0]
    assert (event["UID"], event["SEQUENCE"]) == ("r1@relais", 0)
    api.event("r1@relais", planner_id=anne, start="2026-12-04T15:00:00+01:00",
              end="2026-12-04T16:00:00+01:00")
    assert sweep(calendar_app, clock.moment).delivered == 1
    stored = direct.get("r1@relais")
    assert stored is not None
    assert icalendar.Calendar.from_ical(stored).events[0]["SEQUENCE"] == 1  # not raised again
    api.delete("/api/v1/events/r1@relais")
    assert sweep(calendar_app, clock.moment).delivered == 1
    assert direct.get("r1@relais") is None
    assert _state(api, "r1@relais")["status"] == "done"


@pytest.mark.usefixtures("real_connector")
def test_server_down_then_back(calendar_app: Flask, api: Api, clock: Clock,
                               stoppable_radicale: Radicale) -> None:
    url = stoppable_radicale.make_calendar("anne", "relais")
    anne = api.planner()
    _connect(api, anne, url)
    stoppable_radicale.stop()
    api.event("r2@relais", planner_id=anne)
    assert sweep(calendar_app, clock.moment).failed == 1
    state = _state(api, "r2@relais")
    assert (state["status"], state["attempts"]) == ("pending", 1)
    assert state["last_error"]
    stoppable_radicale.start()
    clock.advance(minutes=1)
    assert sweep(calendar_app, clock.moment).delivered == 1
    assert _state(api, "r2@relais")["status"] == "done"
    assert CaldavCalendar(url, "anne", "x", timeout=5).get("r2@relais") is not None
