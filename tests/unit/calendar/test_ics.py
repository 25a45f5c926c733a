"""ICS rendering: what Gmail, Outlook, Apple and Thunderbird need, parsed two ways."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from services.calendar.domain import ics, model
from services.calendar.domain.ics import Method
from services.calendar.domain.model import Role, Status
from tests.unit.calendar.samples import STAMP, details, event

ALL = [(m, s) for m in (Method.REQUEST, Method.PUBLISH, None)
       for s in (Status.CONFIRMED, Status.TENTATIVE)] + [(Method.CANCEL, Status.CANCELLED),
                                                          (Method.PUBLISH, Status.CANCELLED)]


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def the_event(text: str) -> icalendar.Event:
    events = parse(text).events
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize(("method", "status"), ALL)
def test_every_ics_parses_with_icalendar_and_vobject(method: Method | None,
                                                     status: Status) -> None:
    text = ics.render(event(status=status), method, STAMP)
    assert text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = parse(text)
    assert calendar["PRODID"] == ics.PRODID
    assert calendar.get("METHOD") == (method.value if method else None)
    parsed = vobject.readOne(text)
    assert parsed.vevent.uid.value == "rdv-42@relais.example.fr"
    assert parsed.vevent.dtstart.value == datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo(
        "Europe/Paris"))


@pytest.mark.parametrize("method", list(Method))
def test_method_is_the_one_requested(method: Method) -> None:
    status = Status.CANCELLED if method is Method.CANCEL else Status.CONFIRMED
    text = ics.render(event(status=status), method, STAMP)
    assert parse(text)["METHOD"] == method.value
    assert text.count("METHOD:") == 1
    assert vobject.readOne(text).method.value == method.value


def test_round_trip_keeps_every_field() -> None:
    source = event(sequence=3, video_url="https://visio.example.fr/salle-12")
    vevent = the_event(ics.render(source, Method.REQUEST, STAMP))
    assert vevent["UID"] == source.uid
    assert vevent["SEQUENCE"] == 3
    assert vevent.start == source.details.start
    assert vevent.end == source.details.end
    assert vevent.start.tzinfo is not None and str(vevent.start.tzinfo) == "Europe/Paris"
    assert vevent.DTSTAMP == STAMP
    assert vevent["SUMMARY"] == source.details.summary
    assert vevent["LOCATION"] == source.details.location
    assert vevent["URL"] == "https://visio.example.fr/salle-12"
    assert "https://visio.example.fr/salle-12" in vevent["DESCRIPTION"]
    assert str(vevent["ORGANIZER"]) == "mailto:c.martin@spst.example.fr"
    assert vevent["ORGANIZER"].params["CN"] == "Dr Claire Martin"
    assert vevent["STATUS"] == "CONFIRMED"


def test_attendees_carry_role_partstat_rsvp_and_name() -> None:
    vevent = the_event(ics.render(event(), Method.REQUEST, STAMP))
    attendees = {str(a): a.params for a in vevent["ATTENDEE"]}
    zoe = attendees["mailto:zoe.dupont@example.fr"]
    assert (zoe["CN"], zoe["ROLE"], zoe["PARTSTAT"], zoe["RSVP"]) == (
        "Zoé Dupont", "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE")
    assert attendees["mailto:rh@boulangerie.example.fr"]["ROLE"] == "OPT-PARTICIPANT"
    chair = attendees["mailto:c.martin@spst.example.fr"]
    assert (chair["ROLE"], chair["PARTSTAT"]) == ("CHAIR", "ACCEPTED")
    assert "RSVP" not in chair


def test_publish_asks_no_answer_and_public_copies_list_nobody() -> None:
    published = ics.render(event(), Method.PUBLISH, STAMP)
    assert "RSVP=TRUE" not in published
    public = ics.render(event(), Method.PUBLISH, STAMP, with_attendees=False)
    assert "ATTENDEE" not in public
    assert "ORGANIZER" in public


def test_valarms_the_day_before_and_one_hour_before() -> None:
    vevent = the_event(ics.render(event(), Method.REQUEST, STAMP))
    alarms = vevent.walk("VALARM")
    assert sorted(a["TRIGGER"].dt for a in alarms) == [timedelta(days=-1), timedelta(hours=-1)]
    assert all(a["ACTION"] == "DISPLAY" and a["DESCRIPTION"] for a in alarms)
    assert len(vobject.readOne(ics.render(event(), Method.REQUEST, STAMP)).vevent
               .contents["valarm"]) == 2


def test_vtimezone_is_the_fixed_rrule_one() -> None:
    text = ics.render(event(), Method.REQUEST, STAMP)
    timezone = parse(text).walk("VTIMEZONE")[0]
    assert timezone["TZID"] == "Europe/Paris"
    assert "RDATE" not in text
    rules = {c.name: c for c in timezone.subcomponents}
    summer, winter = rules["DAYLIGHT"], rules["STANDARD"]
    assert summer["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert winter["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert summer["DTSTART"].dt.time() == datetime(2000, 1, 1, 2).time()
    assert winter["DTSTART"].dt.time() == datetime(2000, 1, 1, 3).time()
    assert (summer["TZOFFSETFROM"].td, summer["TZOFFSETTO"].td) == (
        timedelta(hours=1), timedelta(hours=2))
    assert (winter["TZOFFSETFROM"].td, winter["TZOFFSETTO"].td) == (
        timedelta(hours=2), timedelta(hours=1))


@pytest.mark.parametrize(("when_utc", "local"), [
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "20260329T013000"),   # before the change
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "20260329T033000"),   # after: +02:00
    (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), "20261025T010000"),  # before the change
    (datetime(2026, 10, 25, 2, 30, tzinfo=UTC), "20261025T033000"),  # after: +01:00
    (datetime(2027, 7, 14, 8, 0, tzinfo=UTC), "20270714T100000"),
])
def test_local_times_across_daylight_saving_changes(when_utc: datetime, local: str) -> None:
    source = event(start=when_utc, end=when_utc + timedelta(minutes=30))
    text = ics.render(source, Method.REQUEST, STAMP)
    assert f"DTSTART;TZID=Europe/Paris:{local}" in text


@pytest.mark.parametrize("when_utc", [datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                                      datetime(2026, 10, 25, 1, 30, tzinfo=UTC)])
def test_the_repeated_october_hour_is_written_in_utc(when_utc: datetime) -> None:
    """02:30 happens twice on 25 October 2026: a TZID wall time cannot say which."""
    source = event(start=when_utc, end=when_utc + timedelta(minutes=30))
    vevent = the_event(ics.render(source, Method.REQUEST, STAMP))
    assert vevent.start == when_utc and vevent.start.utcoffset() == timedelta(0)
    assert "Z\r\n" in vevent.to_ical().decode().split("DTSTART")[1].split("\r\n", 1)[0] + "\r\n"
    assert vevent.end - vevent.start == timedelta(minutes=30)


def test_vobject_reads_the_vtimezone_rules_back() -> None:
    text = ics.render(event(), Method.REQUEST, STAMP)
    zone = vobject.readOne(text).vtimezone.gettzinfo()
    summer = datetime(2026, 7, 1, 12, tzinfo=zone)
    winter = datetime(2026, 1, 1, 12, tzinfo=zone)
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.utcoffset() == timedelta(hours=1)
    assert datetime(2026, 3, 29, 3, 30, tzinfo=zone).utcoffset() == timedelta(hours=2)
    assert datetime(2026, 3, 29, 1, 30, tzinfo=zone).utcoffset() == timedelta(hours=1)


def test_other_time_zones_are_written_in_utc() -> None:
    text = ics.render(event(timezone="America/Martinique"), Method.REQUEST, STAMP)
    assert "DTSTART:20261201T080000Z" in text
    assert "VTIMEZONE" not in text


@pytest.mark.parametrize("tricky", [
    "Visite, reprise; suivi\\ dossier",
    "Ligne 1\nLigne 2\r\nLigne 3",
    "Médecin du travail : élève, ça, où, Noël, œuvre — « guillemets »",
    "x" * 200 + "é" * 50,
])
def test_french_text_is_escaped_and_read_back_exactly(tricky: str) -> None:
    source = event(summary=tricky.replace("\n", " ").replace("\r", " "), description=tricky,
                   location=tricky.replace("\n", " ").replace("\r", " "))
    text = ics.render(source, Method.REQUEST, STAMP)
    vevent = the_event(text)
    expected = tricky.replace("\r\n", "\n")
    assert str(vevent["DESCRIPTION"]).replace("\r\n", "\n") == expected
    assert vevent["SUMMARY"] == source.details.summary
    parsed = vobject.readOne(text).vevent
    assert parsed.summary.value == source.details.summary
    assert parsed.location.value == source.details.location
    assert parsed.description.value.replace("\r\n", "\n") == expected
    assert "\\," in text and "\\;" in text if "," in tricky and ";" in tricky else True


def test_raw_escapes_are_rfc5545() -> None:
    text = ics.render(event(summary="a, b; c\\ d"), Method.REQUEST, STAMP)
    assert "SUMMARY:a\\, b\\; c\\\\ d\r\n" in text
    text = ics.render(event(description="l1\nl2"), Method.REQUEST, STAMP)
    assert "DESCRIPTION:l1\\nl2" in text


def test_cancel_keeps_uid_raises_sequence_and_keeps_attendees() -> None:
    original = event(sequence=1)
    cancelled = model.cancel(original).event
    text = ics.render(cancelled, Method.CANCEL, STAMP)
    calendar = parse(text)
    vevent = the_event(text)
    assert calendar["METHOD"] == "CANCEL"
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["UID"] == original.uid
    assert vevent["SEQUENCE"] == 2
    assert len(vevent["ATTENDEE"]) == 3
    assert not vevent.walk("VALARM")


def test_reschedule_then_cancel_gives_what_clients_need() -> None:
    """Gmail and Outlook match on UID and take the highest SEQUENCE."""
    first = model.create("rdv-7@relais", details()).event
    moved = model.revise(first, details(start=datetime(2026, 12, 2, 8, tzinfo=UTC),
                                        end=datetime(2026, 12, 2, 9, tzinfo=UTC))).event
    gone = model.cancel(moved).event
    texts = [ics.render(first, Method.REQUEST, STAMP),
             ics.render(moved, Method.REQUEST, STAMP + timedelta(hours=1)),
             ics.render(gone, Method.CANCEL, STAMP + timedelta(hours=2))]
    events = [the_event(t) for t in texts]
    assert {e["UID"] for e in events} == {"rdv-7@relais"}
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert [e.DTSTAMP for e in events] == sorted(e.DTSTAMP for e in events)
    assert [parse(t)["METHOD"] for t in texts] == ["REQUEST", "REQUEST", "CANCEL"]


def test_same_event_and_stamp_give_the_same_bytes() -> None:
    assert ics.render(event(), Method.REQUEST, STAMP) == ics.render(event(), Method.REQUEST,
                                                                     STAMP)


def test_assemble_wraps_stored_vevents_in_one_calendar() -> None:
    vevents = [ics.render_vevent(event(uid=f"e{i}@relais"), Method.PUBLISH, STAMP)
               for i in range(3)]
    text = ics.assemble(Method.PUBLISH, vevents, name="Relais – Anne")
    calendar = parse(text)
    assert calendar["METHOD"] == "PUBLISH"
    assert [e["UID"] for e in calendar.events] == ["e0@relais", "e1@relais", "e2@relais"]
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert len(vobject.readOne(text).vevent_list) == 3
    empty = ics.assemble(Method.PUBLISH, [])
    assert parse(empty).events == []


def test_role_names_map_to_rfc_roles() -> None:
    assert {r.value.upper() for r in Role} == {
        "CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT"}
    assert date(2026, 3, 29).weekday() == 6  # the sample DST dates are Sundays
