"""No medical detail in any message, log line or employer view.

A real workflow runs across the three services (``workflow.run``) with every
logger captured at DEBUG; then every log line, every outbound message (the
scheduler's outbox, the notifier's rendered SMS and e-mails and what its
gateways were handed, the calendar's events and invitations) and every view
an employer has (employer-scoped API key, employer link pages, the e-mails
sent to the employer) are scanned for what must not be there.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from flask import Flask
from sqlalchemy import select

from services.calendar.adapters.orm import EventRow, InviteRow
from services.scheduler.adapters.links import Role
from services.scheduler.adapters.orm import OutboxMessage
from shared.web import database
from tests.integration.privacy import forbidden
from tests.integration.privacy.conftest import LogTap, Stack
from tests.integration.privacy.workflow import EMPLOYER_EMAIL, NUMBERS, Story, run


def _outbox(app: Flask) -> list[OutboxMessage]:
    with database(app).session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _calendar_texts(app: Flask) -> list[tuple[str, str]]:
    with database(app).session() as session:
        events = [(f"événement {e.uid}", forbidden.as_text(
            [e.summary, e.description, e.location, e.attendees, e.feed_vevent]))
            for e in session.scalars(select(EventRow))]
        invites = [(f"invitation {i.idempotency_key}", forbidden.as_text([i.data, i.ics]))
                   for i in session.scalars(select(InviteRow))]
    return events + invites


def _email_text(message: EmailMessage) -> str:
    """The whole message as sent, its parts decoded (quoted-printable hides words)."""
    parts = [str(message["Subject"])]
    for part in message.walk():
        if part.get_content_maintype() != "multipart":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                parts.append(payload.decode("utf-8", "replace"))
    return "\n".join(parts)


def _messages(stack: Stack) -> list[tuple[str, str, Any]]:
    """``(where, text, data)`` of every message the services let out."""
    found: list[tuple[str, str, Any]] = []
    for row in _outbox(stack.scheduler):
        found.append((f"outbox {row.idempotency_key}", forbidden.as_text(row.payload),
                      row.payload))
    for note in stack.notifications():
        found.append((f"notification {note.idempotency_key}", forbidden.as_text(
            [note.subject, note.body, note.html, note.attachments]), note.data))
    for sms in stack.sms.sent:
        found.append((f"SMS {sms.idempotency_key}", sms.body, None))
    for email in stack.email.sent:
        found.append((f"e-mail {email['Subject']}", _email_text(email), None))
    found += [(where, text, None) for where, text in _calendar_texts(stack.calendar)]
    return found


def _employer_pages(stack: Stack, story: Story) -> dict[str, str]:
    client = stack.scheduler.test_client()
    pages = {}
    for procedure in (story.liaison, story.reprise):
        page = client.get(stack.link(procedure, Role.EMPLOYER))
        assert page.status_code == 200, procedure
        pages[f"page employeur {procedure}"] = page.get_data(as_text=True)
    return pages


def _employer_api(stack: Stack, story: Story) -> dict[str, str]:
    employer = stack.employer_key(story.employer_id)
    urls = ["/api/v1/employees", f"/api/v1/employers/{story.employer_id}"]
    for employee in (story.marie, story.jean):
        urls += [f"/api/v1/employees/{employee}", f"/api/v1/employees/{employee}/procedures",
                 f"/api/v1/employees/{employee}/arrets"]
    urls += [f"/api/v1/procedures/{story.liaison}", f"/api/v1/procedures/{story.reprise}"]
    views = {}
    for url in urls:
        answer = employer.get(url)
        assert answer.status_code == 200, (url, answer.json)
        views[f"API employeur {url}"] = answer.get_data(as_text=True)
    return views


def _to_employer(stack: Stack) -> dict[str, str]:
    found = {f"notification {n.idempotency_key}": forbidden.as_text(
        [n.subject, n.body, n.html, n.data, n.attachments])
        for n in stack.notifications() if n.recipient == EMPLOYER_EMAIL}
    found |= {f"e-mail {m['Subject']}": _email_text(m) for m in stack.email.sent
              if m["To"] == EMPLOYER_EMAIL}
    found |= {f"outbox {row.idempotency_key}": forbidden.as_text(row.payload)
              for row in _outbox(stack.scheduler) if row.payload.get("to") == EMPLOYER_EMAIL}
    return found


def _employer_views_hide_medical_details_and_the_private_pre_reprise(
        stack: Stack, story: Story) -> None:
    views = _employer_pages(stack, story) | _employer_api(stack, story) | _to_employer(stack)
    assert sum(1 for where in views if where.startswith("e-mail")) >= 2
    leaks = [leak for where, text in views.items()
             for leak in forbidden.medical(text, where) + forbidden.pre_reprise(text, where)]
    assert leaks == []
    employer = stack.employer_key(story.employer_id)
    assert employer.get(f"/api/v1/procedures/{story.pre_reprise}").status_code == 404
    hidden = stack.scheduler.test_client().get(stack.link(story.pre_reprise, Role.EMPLOYER))
    assert hidden.status_code == 404

    # With the employee's consent, the same views do show it: the scan would have seen it.
    shared = stack.spst.post(f"/api/v1/procedures/{story.pre_reprise}/consent",
                             {"share_with_employer": True})
    assert shared.status_code == 200, shared.json
    page = _employer_pages(stack, story)[f"page employeur {story.liaison}"]
    assert forbidden.pre_reprise(page, "page") != []
    assert employer.get(f"/api/v1/procedures/{story.pre_reprise}").status_code == 200


def test_no_log_line_message_or_employer_view_carries_what_it_must_not(
        stack: Stack, logs: LogTap) -> None:
    story = run(stack)
    _employer_views_hide_medical_details_and_the_private_pre_reprise(stack, story)
    output, records = logs.output(), logs.records()
    # The scan saw the real thing: SQL with its parameters, the relay, the sends...
    assert len(records) > 200 and "sqlalchemy.engine" in output
    assert "********78" in output  # ...and phone numbers went through the masking
    leaks = forbidden.unmasked_contacts(output, "journal", NUMBERS)
    leaks += forbidden.medical(output, "journal")
    leaks += [leak for record in records for leak in forbidden.medical(record, "enregistrement")]
    assert leaks == []

    messages = _messages(stack)
    sent_sms = [sms for sms in stack.sms.sent if sms.to == "+33612345678"]
    assert len(sent_sms) >= 2 and len(stack.email.sent) >= 4
    assert any(where.startswith("invitation") for where, _, _ in messages)
    for where, text, data in messages:
        leaks += forbidden.medical(text, where) + forbidden.causes(text, where)
        leaks += forbidden.free_text_keys(data, where)
    assert leaks == []


def test_no_free_text_field_can_carry_a_medical_detail(stack: Stack) -> None:
    spst = stack.spst
    employer = spst.employer()
    person = spst.employee(employer["id"])
    arret = spst.arret(person["id"])
    refused = {
        "motif": spst.post(f"/api/v1/employees/{person['id']}/arrets", {
            "cause": "maladie", "start": "2025-04-01", "end": "2025-04-30",
            "motif": "dépression sévère"}),
        "cause": spst.post(f"/api/v1/employees/{person['id']}/arrets", {
            "cause": "dépression sévère", "start": "2025-04-01", "end": "2025-04-30"}),
        "diagnostic": spst.patch(f"/api/v1/arrets/{arret['id']}", {"diagnostic": "cancer"}),
        "notes": spst.post("/api/v1/employees", {
            "employer_id": employer["id"], "first_name": "Luc", "last_name": "Petit",
            "phone": "06 98 76 54 32", "notes": "suivi pour burn-out"}),
        "commentaire": spst.patch(f"/api/v1/employees/{person['id']}",
                                  {"commentaire": "hospitalisation prévue"}),
    }
    for field, answer in refused.items():
        assert answer.status_code == 422, (field, answer.json)
        assert answer.json["error"]["field"] == field
    assert forbidden.medical(spst.get(f"/api/v1/employees/{person['id']}/arrets")
                             .get_data(as_text=True), "arrêts") == []
