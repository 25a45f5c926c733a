"""The stack itself: three services up, a message reaches the dev inbox, an event its ICS."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import unique_email, unique_phone
from tests.e2e.stack import Stack


def test_every_service_answers_and_the_tenant_has_a_key(stack: Stack) -> None:
    for service, url in stack.urls.items():
        assert stack.get(url + "/healthz").ok, service
    assert stack.api("GET", "/api/v1/employers", expect=200).json() is not None


def test_a_notification_reaches_the_dev_inbox(stack: Stack) -> None:
    phone = unique_phone()
    key = f"e2e-smoke-{uuid.uuid4().hex}"
    stack.service("notifier", "POST", "/api/v1/notifications", {
        "idempotency_key": key, "channel": "sms", "to": phone,
        "template": "liaison_information",
        "data": {"name": "Inès", "employer_name": "Boulangerie Martin", "link":
                 "https://relais.example.fr/e/abc"},
    }, expect=202)
    [sms] = stack.wait_for_message(phone, "liaison_information", "sms")
    assert "https://relais.example.fr/e/abc" in sms.links()
    page = stack.get(stack.urls["notifier"] + "/dev/outbox")
    assert page.ok and phone in page.text


def test_an_event_has_its_ics_and_invites_its_attendee(stack: Stack) -> None:
    uid = f"e2e-smoke-{uuid.uuid4().hex}"
    email = unique_email("salarie")
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    event = {"start": start.isoformat(), "end": (start + timedelta(minutes=30)).isoformat(),
             "summary": "Rendez-vous de liaison", "location": "Visioconférence",
             "organizer": {"name": "SPST", "email": unique_email("spst")},
             "attendees": [{"name": "Inès Martin", "email": email}]}
    stack.service("calendar", "PUT", f"/api/v1/events/{uid}", event, expect=201)
    ics = stack.service("calendar", "GET", f"/api/v1/events/{uid}.ics", expect=200).text
    assert f"UID:{uid}" in ics and "SEQUENCE:0" in ics
    [invite] = stack.wait_for_message(email, "event_invitation", "email")
    assert any(name.endswith(".ics") for name in invite.attachments), invite.attachments
    [state] = stack.service("calendar", "GET", f"/api/v1/events/{uid}", expect=200
                            ).json()["invites"]
    assert (state["method"], state["sequence"], state["status"]) == ("REQUEST", 0, "delivered")
