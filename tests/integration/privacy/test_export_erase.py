"""An employee's data exported and erased on request, through the SPST's API.

The erasure is followed to the notifier and the calendar through the outbox;
afterwards every table of the three services is read back and holds nothing
that names or reaches the employee.
"""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import MetaData, select

from services.calendar.adapters.orm import EventRow, InviteRow
from services.scheduler.adapters.orm import OutboxMessage
from services.scheduler.service_layer.relay import OutboxRelay
from shared.web import database
from tests.integration.privacy.conftest import SERVICE, Stack
from tests.integration.privacy.workflow import EMPLOYER_EMAIL, MARIE_EMAIL, run
from tests.integration.scheduler.conftest import make_tenant

MARIE = ("Marie", "Dupont", "612345678", MARIE_EMAIL)


def _dump(app: Flask, metadata: MetaData) -> str:
    """Every row of every table of ``app``, as text."""
    with database(app).engine.connect() as connection:
        return "\n".join(repr(tuple(row)) for table in metadata.sorted_tables
                         for row in connection.execute(select(table)))


def _dumps(stack: Stack) -> dict[str, str]:
    from services.calendar.adapters.orm import metadata as calendar
    from services.notifier.adapters.orm import metadata as notifier
    from services.scheduler.adapters.orm import metadata as scheduler

    return {"scheduler": _dump(stack.scheduler, scheduler),
            "notifier": _dump(stack.notifier, notifier),
            "calendar": _dump(stack.calendar, calendar)}


def test_the_export_holds_everything_about_the_employee_and_nothing_else(
        stack: Stack) -> None:
    story = run(stack)
    answer = stack.spst.get(f"/api/v1/employees/{story.marie}/export")
    assert answer.status_code == 200, answer.json
    export = answer.json
    assert export["employee"]["id"] == story.marie
    assert (export["employee"]["first_name"], export["employee"]["phone"],
            export["employee"]["email"]) == ("Marie", "+33612345678", MARIE_EMAIL)
    assert export["employer"] == {"id": story.employer_id, "name": "Boulangerie Martin",
                                  "siret": export["employer"]["siret"]}
    assert [(a["cause"], a["start"], a["end"]) for a in export["arrets"]] == [
        ("maladie_professionnelle", "2025-03-03", "2025-05-31")]
    kinds = {p["kind"]: p for p in export["procedures"]}
    assert set(kinds) == {"liaison", "pre_reprise"}
    assert kinds["liaison"]["state"] == "confirmed" and kinds["liaison"]["slots"]
    recipients = {m["recipient"] for m in export["messages"]}
    assert recipients == {"employee", "employer", "spst", "calendar"}
    assert all(m["status"] == "delivered" for m in export["messages"])
    text = json.dumps(export["messages"])
    assert EMPLOYER_EMAIL not in text and "+33612345678" not in text  # metadata only
    actions = {(e["action"], e["object_type"]) for e in export["audit"]}
    assert {("create", "employee"), ("create", "arret"), ("create", "procedure"),
            ("export", "employee")} <= actions
    assert "Jean" not in answer.get_data(as_text=True)


def _liaison_case(stack: Stack) -> tuple[int, int]:
    """An employee on a long arrêt, the liaison meeting opened and its messages delivered."""
    employer = stack.spst.employer(contact_email=EMPLOYER_EMAIL)
    person = stack.spst.employee(employer["id"], email=MARIE_EMAIL)
    stack.spst.arret(person["id"], start="2025-03-03", end="2025-05-31")
    opened = stack.spst.post(f"/api/v1/employees/{person['id']}/liaison", {})
    assert opened.status_code == 201, opened.json
    stack.deliver()
    return employer["id"], person["id"]


def test_export_erasure_and_audit_are_for_the_spst_own_keys_only(stack: Stack) -> None:
    employer_id, marie = _liaison_case(stack)
    employer = stack.employer_key(employer_id)
    other = make_tenant(stack.scheduler, "SPST Bêta")
    for url, method in ((f"/api/v1/employees/{marie}/export", "GET"),
                        (f"/api/v1/employees/{marie}/erase", "POST"),
                        (f"/api/v1/audit?employee_id={marie}", "GET")):
        refused = employer.send(method, url)
        assert refused.status_code == 403, (url, refused.json)
        assert refused.json["error"]["code"] == "forbidden"
        anonymous = stack.scheduler.test_client().open(url, method=method)
        assert anonymous.status_code == 401
    for url, method in ((f"/api/v1/employees/{marie}/export", "GET"),
                        (f"/api/v1/employees/{marie}/erase", "POST"),
                        ("/api/v1/employees/999999/export", "GET")):
        assert other.send(method, url).status_code == 404, url
    assert other.get(f"/api/v1/audit?employee_id={marie}").json["items"] == []
    for query, field in (("employee_id=abc", "employee_id"), ("limit=0", "limit"),
                         ("employe=1", "employe")):
        bad = stack.spst.get(f"/api/v1/audit?{query}")
        assert bad.status_code == 422 and bad.json["error"]["field"] == field, query
    assert stack.spst.get(f"/api/v1/employees/{marie}").status_code == 200


def test_erasure_removes_the_employee_here_and_at_the_notifier_and_the_calendar(
        stack: Stack) -> None:
    story = run(stack)
    before = _dumps(stack)
    assert all(MARIE_EMAIL in before[service] for service in before)  # it was everywhere
    answer = stack.spst.post(f"/api/v1/employees/{story.marie}/erase")
    assert answer.status_code == 200, answer.json
    erased = answer.json
    assert erased["employee_id"] == story.marie
    assert erased["deleted"]["arrets"] == 1 and erased["deleted"]["procedures"] == 2
    assert erased["deleted"]["messages"] > 0
    assert erased["peers"] == {"notifier": "requested", "calendar": "requested"}
    assert stack.spst.get(f"/api/v1/employees/{story.marie}").status_code == 404
    assert stack.spst.get(f"/api/v1/procedures/{story.liaison}").status_code == 404

    stack.deliver()  # the erasure requests reach the peers
    after = _dumps(stack)
    for service, text in after.items():
        for value in MARIE:
            assert value not in text, (service, value)
    with database(stack.scheduler).session() as session:
        requests = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.operation.in_(("erase_notifications", "erase_events")))))
        assert {r.status for r in requests} == {"delivered"}
        assert all("recipients" not in r.payload for r in requests)
    with database(stack.calendar).session() as session:
        event = session.scalars(select(EventRow).where(
            EventRow.uid == f"relais-liaison-{story.liaison}")).one()
        assert (event.status, event.attendees, event.summary) == (
            "cancelled", [], "Rendez-vous annulé")
        assert session.scalars(select(InviteRow).where(InviteRow.event_id == event.id)).all() \
            == []
    # Jean's case is untouched, there and here.
    assert "Jean" in after["notifier"] and "Jean" in after["calendar"]
    assert stack.spst.get(f"/api/v1/employees/{story.jean}").status_code == 200
    # What is kept is the audit trail: ids and actions, the erasure included.
    trail = stack.spst.get(f"/api/v1/audit?employee_id={story.marie}&limit=200").json["items"]
    assert ("erase", "employee") in {(e["action"], e["object_type"]) for e in trail}

    again = stack.spst.post(f"/api/v1/employees/{story.marie}/erase")
    assert again.status_code == 404
    peers = stack.peers
    repeat = peers.notifier.post("/internal/v1/erasures", headers=SERVICE, json={
        "key_prefixes": [f"relais-p{story.liaison}:"], "recipients": [MARIE_EMAIL]})
    assert repeat.status_code == 200 and set(repeat.json.values()) == {0}
    repeat = peers.calendar.post("/internal/v1/erasures", headers=SERVICE,
                                 json={"uids": [f"relais-liaison-{story.liaison}"]})
    assert repeat.status_code == 200 and repeat.json == {"events": 0, "invites": 0}


def test_an_erasure_waits_in_the_outbox_while_a_peer_is_down(stack: Stack) -> None:
    _, marie = _liaison_case(stack)
    assert "Dupont" in _dumps(stack)["notifier"]
    erased = stack.spst.post(f"/api/v1/employees/{marie}/erase")
    assert erased.status_code == 200 and erased.json["peers"] == {"notifier": "requested"}

    class Down:
        def __getattr__(self, name: str) -> object:
            def fail(*_args: object) -> None:
                from services.scheduler.adapters.peers import PeerError

                raise PeerError("service indisponible", 503)

            return fail

    report = OutboxRelay(database(stack.scheduler), Down()).run_once(stack.clock())  # type: ignore[arg-type]
    assert report.retried == 1 and report.delivered == 0
    stack.clock.advance(minutes=10)
    stack.deliver()
    assert "Dupont" not in _dumps(stack)["notifier"]


def test_the_peers_erasure_endpoints_refuse_bad_requests(stack: Stack) -> None:
    notifier, calendar = stack.notifier.test_client(), stack.calendar.test_client()
    assert notifier.post("/internal/v1/erasures", json={"recipients": ["a@b.fr"]}
                         ).status_code == 401
    assert calendar.post("/internal/v1/erasures", json={"uids": ["x"]}).status_code == 401
    for body, field in (({}, "key_prefixes"), ({"key_prefixes": ["relais"]}, "key_prefixes"),
                        ({"key_prefixes": ["relais-p1:"], "tout": True}, "tout"),
                        ({"recipients": "a@b.fr"}, "recipients")):
        answer = notifier.post("/internal/v1/erasures", headers=SERVICE, json=body)
        assert answer.status_code == 422, body
        assert answer.json["error"]["field"].startswith(field), (body, answer.json)
    many = notifier.post("/internal/v1/erasures", headers=SERVICE, json={
        "key_prefixes": [f"relais-p{n}:" for n in range(1000)]})
    assert many.status_code == 200 and many.json["notifications"] == 0
    for body, field in (({"uids": []}, "uids"), ({"uids": ["pas un uid"]}, "uids"),
                        ({}, "uids")):
        answer = calendar.post("/internal/v1/erasures", headers=SERVICE, json=body)
        assert answer.status_code == 422, body
        assert answer.json["error"]["field"].startswith(field), (body, answer.json)


def test_an_erased_event_leaves_the_planners_caldav_calendar(stack: Stack) -> None:
    from services.calendar.service_layer import push
    from tests.integration.calendar.conftest import FakeCalendars, event_body

    fakes = FakeCalendars()
    stack.calendar.extensions["calendar_connect"] = fakes
    calendar = stack.calendar.test_client()
    planner = calendar.post("/api/v1/planners", headers=SERVICE,
                            json={"name": "Anne", "email": "anne@spst.example.fr"}).json["id"]
    connected = calendar.put(f"/api/v1/planners/{planner}/caldav", headers=SERVICE, json={
        "url": "https://caldav.example.fr/anne/", "username": "anne", "password": "secret"})
    assert connected.status_code == 200, connected.json
    uid = "relais-reprise-41"
    created = calendar.put(f"/api/v1/events/{uid}", headers=SERVICE,
                           json=event_body(planner_id=planner))
    assert created.status_code == 201, created.json
    push.run_due(database(stack.calendar), fakes, stack.clock())
    remote = fakes.at("https://caldav.example.fr/anne/")
    assert "Zoé Dupont" in remote.events[uid]

    erased = calendar.post("/internal/v1/erasures", headers=SERVICE, json={"uids": [uid]})
    assert erased.status_code == 200 and erased.json["events"] == 1
    push.run_due(database(stack.calendar), fakes, stack.clock())
    assert uid not in remote.events and remote.calls[-1] == ("delete", uid)
    shown = calendar.get(f"/api/v1/events/{uid}", headers=SERVICE)
    assert shown.json["status"] == "cancelled" and "Dupont" not in shown.get_data(as_text=True)
