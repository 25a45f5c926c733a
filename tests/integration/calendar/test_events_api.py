"""``/api/v1/events``: validation, create/update/cancel, SEQUENCE and the ICS endpoint.

Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
import vobject

from tests.integration.calendar.conftest import Api, Clock, event_body

URL = "/api/v1/events/rdv-1@relais.example.fr"


def _attendees(*emails: str) -> list[dict[str, str]]:
    return [{"name": "X", "email": e} for e in emails]


BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("naive start", {"start": "2026-12-01T09:00:00"}, "start"),
    ("naive end", {"end": "2026-12-01T10:00:00"}, "end"),
    ("start not a date", {"start": "demain"}, "start"),
    ("start missing", {"start": None}, "start"),
    ("end before start", {"end": "2026-12-01T08:00:00+01:00"}, "end"),
    ("end equals start", {"end": "2026-12-01T09:00:00+01:00"}, "end"),
    ("lasts months", {"end": "2027-03-01T09:00:00+01:00"}, "end"),
    ("unknown time zone", {"timezone": "Europe/Atlantis"}, "timezone"),
    ("time zone path trick", {"timezone": "../../etc/passwd"}, "timezone"),
    ("summary empty", {"summary": ""}, "summary"),
    ("summary too long", {"summary": "x" * 301}, "summary"),
    ("summary with newline", {"summary": "a\nb"}, "summary"),
    ("huge description", {"description": "é" * 5001}, "description"),
    ("control character", {"description": "a\x00b"}, "description"),
    ("no place at all", {"location": None}, "location"),
    ("video url not a url", {"video_url": "visio salle 3"}, "video_url"),
    ("video url ftp", {"video_url": "ftp://example.fr/x"}, "video_url"),
    ("organizer missing", {"organizer": None}, "organizer"),
    ("organizer bad e-mail", {"organizer": {"name": "Dr", "email": "pas-un-mail"}},
     "organizer.email"),
    ("second attendee bad e-mail",
     {"attendees": _attendees("ok@example.fr", "zoe@@example")}, "attendees[1].email"),
    ("attendee without e-mail", {"attendees": [{"name": "Zoé"}]}, "attendees[0].email"),
    ("attendee unknown role",
     {"attendees": [{"name": "Z", "email": "z@example.fr", "role": "boss"}]},
     "attendees[0].role"),
    ("attendee twice", {"attendees": _attendees("z@example.fr", "Z@example.fr")},
     "attendees[1].email"),
    ("too many attendees",
     {"attendees": _attendees(*(f"p{i}@example.fr" for i in range(101)))}, "attendees"),
    ("attendees not a list", {"attendees": "z@example.fr"}, "attendees"),
    ("unknown status", {"status": "maybe"}, "status"),
    ("planner id a string", {"planner_id": "12"}, "planner_id"),
    ("planner id zero", {"planner_id": 0}, "planner_id"),
    ("unknown field", {"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD_INPUTS,
                         ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_names_the_field(api: Api, case: str, change: dict[str, Any],
                                   field: str) -> None:
    body = event_body(**change)
    body = {k: v for k, v in body.items() if not (v is None and k in ("start", "organizer"))}
    answer = api.put(URL, body)
    assert answer.status_code == 422, (case, answer.json)
    assert answer.json["error"]["field"] == field, answer.json
    assert api.get(URL).status_code == 404  # nothing stored


@pytest.mark.parametrize(("uid", "status"), [("a b", 422), ("x" * 201, 422), ("-lead", 422),
                                             ("ok.ics", 422), ("é@relais", 422)])
def test_bad_uids_are_refused(api: Api, uid: str, status: int) -> None:
    answer = api.put(f"/api/v1/events/{uid}", event_body())
    assert answer.status_code == status
    assert answer.json["error"]["field"] == "uid"


def test_not_json_and_no_token(api: Api) -> None:
    answer = api.client.put(URL, data="x", headers=api.headers)
    assert answer.status_code == 415
    assert api.client.put(URL, json=event_body()).status_code == 401
    assert api.client.get(URL + ".ics").status_code == 401


def test_unknown_planner_is_404_naming_it(api: Api) -> None:
    answer = api.put(URL, event_body(planner_id=999))
    assert answer.status_code == 404
    assert answer.json["error"]["field"] == "planner_id"


def test_create_then_update_keeps_uid_and_raises_sequence(api: Api, clock: Clock) -> None:
    created = api.put(URL, event_body())
    assert created.status_code == 201
    assert created.json["sequence"] == 0
    assert created.json["start"] == "2026-12-01T09:00:00+01:00"
    assert created.json["links"]["ics_request"].endswith(".ics?method=REQUEST")
    clock.advance(minutes=5)
    again = api.put(URL, event_body())
    assert again.status_code == 200
    assert again.json["sequence"] == 0
    assert again.json["updated_at"] == created.json["updated_at"]
    clock.advance(minutes=5)
    moved = api.put(URL, event_body(start="2026-12-02T10:00:00+01:00",
                                    end="2026-12-02T11:00:00+01:00"))
    assert (moved.status_code, moved.json["uid"], moved.json["sequence"]) == (
        200, "rdv-1@relais.example.fr", 1)
    renamed = api.put(URL, event_body(start="2026-12-02T10:00:00+01:00",
                                      end="2026-12-02T11:00:00+01:00",
                                      organizer={"name": "Docteur Martin",
                                                 "email": "c.martin@spst.example.fr"}))
    assert renamed.json["sequence"] == 1  # a display name is not a new revision
    same_instant = api.put(URL, event_body(start="2026-12-02T09:00:00Z",
                                           end="2026-12-02T10:00:00Z",
                                           organizer={"name": "Docteur Martin",
                                                      "email": "c.martin@spst.example.fr"}))
    assert same_instant.json["sequence"] == 1


def test_cancel_raises_sequence_and_keeps_attendees(api: Api) -> None:
    api.event("rdv-1@relais.example.fr")
    assert api.delete("/api/v1/events/unknown@relais").status_code == 404
    cancelled = api.delete(URL)
    assert cancelled.status_code == 200
    assert (cancelled.json["status"], cancelled.json["sequence"]) == ("cancelled", 1)
    assert len(cancelled.json["attendees"]) == 2
    assert api.delete(URL).json["sequence"] == 1  # twice: nothing more


def _ics(api: Api, method: str) -> tuple[int, str, str]:
    answer = api.get(f"{URL}.ics?method={method}")
    return answer.status_code, answer.headers.get("Content-Type", ""), answer.get_data(
        as_text=True)


def test_ics_endpoint_answers_the_requested_method(api: Api, clock: Clock) -> None:
    api.event("rdv-1@relais.example.fr")
    status, content_type, text = _ics(api, "REQUEST")
    assert status == 200
    assert content_type == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["METHOD"] == "REQUEST"
    assert vobject.readOne(text).vevent.sequence.value == "0"
    status, _, text = _ics(api, "PUBLISH")
    assert icalendar.Calendar.from_ical(text)["METHOD"] == "PUBLISH"
    assert _ics(api, "CANCEL")[0] == 409  # not cancelled yet
    assert api.get(f"{URL}.ics?method=REPLY").json["error"]["field"] == "method"
    assert api.get("/api/v1/events/nobody@relais.ics").status_code == 404


def test_reschedule_and_cancel_as_gmail_and_outlook_need(api: Api, clock: Clock) -> None:
    api.event("rdv-1@relais.example.fr")
    first = icalendar.Calendar.from_ical(_ics(api, "REQUEST")[2]).events[0]
    clock.advance(hours=1)
    api.event("rdv-1@relais.example.fr", start="2026-12-03T14:00:00+01:00",
              end="2026-12-03T14:30:00+01:00")
    moved_text = _ics(api, "REQUEST")[2]
    moved = icalendar.Calendar.from_ical(moved_text).events[0]
    clock.advance(hours=1)
    api.delete(URL)
    assert _ics(api, "REQUEST")[0] == 409
    cancel_text = _ics(api, "CANCEL")[2]
    cancel_calendar = icalendar.Calendar.from_ical(cancel_text)
    gone = cancel_calendar.events[0]
    assert first["UID"] == moved["UID"] == gone["UID"]
    assert first["SEQUENCE"] < moved["SEQUENCE"] < gone["SEQUENCE"]
    assert first.DTSTAMP < moved.DTSTAMP < gone.DTSTAMP
    assert cancel_calendar["METHOD"] == "CANCEL" and gone["STATUS"] == "CANCELLED"
    assert len(gone["ATTENDEE"]) == 2
    vobject.readOne(cancel_text)


def test_get_event_shows_no_caldav_state_without_an_account(api: Api) -> None:
    api.event("rdv-1@relais.example.fr")
    answer = api.get(URL)
    assert answer.status_code == 200
    assert answer.json["caldav"] is None
