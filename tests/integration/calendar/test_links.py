"""Signed "add to my calendar" links for employees' SMS. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import icalendar
import vobject
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from services.calendar.bootstrap import INVITE_SALT
from tests.integration.calendar.conftest import PUBLIC, Api


def _link(api: Api, uid: str) -> str:
    answer = api.post(f"/api/v1/events/{uid}/links")
    assert answer.status_code == 201, answer.json
    assert answer.json["url"].startswith(PUBLIC + "/i/")
    url: str = answer.json["url"]
    return url[len(PUBLIC):]


def test_link_opens_a_publish_ics_without_other_people(api: Api) -> None:
    api.event("rdv-9@relais")
    answer = api.client.get(_link(api, "rdv-9@relais"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    text = answer.get_data(as_text=True)
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar.events[0]["UID"] == "rdv-9@relais"
    assert "ATTENDEE" not in text
    vobject.readOne(text)


def test_link_for_an_unknown_event_is_404(api: Api) -> None:
    assert api.post("/api/v1/events/nobody@relais/links").status_code == 404
    assert api.client.post("/api/v1/events/nobody@relais/links").status_code == 401


def test_tampered_links_are_404_in_french(api: Api, calendar_app: Flask) -> None:
    api.event("rdv-9@relais")
    api.event("rdv-10@relais")
    path = _link(api, "rdv-9@relais")
    token = path[len("/i/"):-len(".ics")]
    payload, stamp, signature = token.split(".")
    other = URLSafeTimedSerializer("wrong-key", salt=INVITE_SALT).dumps({"uid": "rdv-10@relais"})
    forged_payload = _link(api, "rdv-10@relais")[3:-4].split(".")[0]
    for bad in (f"{payload}.{stamp}.{signature[:-2]}xx", f"{forged_payload}.{stamp}.{signature}",
                other, "nimportequoi"):
        answer = api.client.get(f"/i/{bad}.ics")
        assert answer.status_code == 404, bad
        assert answer.json["error"]["message"] == "Lien invalide ou incomplet."


def test_expired_links_are_410_in_french(api: Api, calendar_app: Flask) -> None:
    api.event("rdv-9@relais")
    path = _link(api, "rdv-9@relais")
    calendar_app.config["INVITE_LINK_MAX_AGE"] = -1
    answer = api.client.get(path)
    assert answer.status_code == 410
    assert "expiré" in answer.json["error"]["message"]


def test_links_of_cancelled_events_say_so(api: Api) -> None:
    api.event("rdv-9@relais")
    path = _link(api, "rdv-9@relais")
    api.delete("/api/v1/events/rdv-9@relais")
    event = icalendar.Calendar.from_ical(api.client.get(path).get_data(as_text=True)).events[0]
    assert event["STATUS"] == "CANCELLED"
