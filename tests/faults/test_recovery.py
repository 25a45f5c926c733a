"""After the faults and the recovery: nothing lost, nothing sent twice unflagged, invites true.

The run (:mod:`tests.faults.scenario`, shared by these checks) drove 500
cases while every process was killed at random, PostgreSQL crashed, the
notifier and the calendar were down for a sweep each, SMTP refused mail and
Twilio answered 429 to everything for a while. Once every fault is lifted
and no work is left:

- every case is in the state the SPST drove it to, with one procedure;
- no outbox row, invitation or notification is left failed or pending;
- every notification a case was due is among those sent;
- every notification reached Twilio's or SMTP's stand-in exactly once, or is
  flagged ``possibly_duplicated`` by the notifier, and nothing else arrived;
- every calendar event and its invitations match their case: the date,
  SEQUENCE, REQUEST or CANCEL, one delivered invitation per attendee at the
  event's SEQUENCE, and the employee's SMS with the date and its ICS link.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from services.calendar.domain.invites import email_key
from services.notifier.adapters.email_builder import message_id_for
from tests.faults.harness import LONG_RUNNING
from tests.faults.scenario import CONFIRMED, Case, Snapshot

pytestmark = pytest.mark.postgres

STATE_OF_INTENT = {
    ("liaison", "informed"): "informed", ("liaison", "refused"): "refused",
    ("liaison", "accepted"): "accepted", ("liaison", "confirmed"): "confirmed",
    ("liaison", "rescheduled"): "confirmed", ("liaison", "cancelled"): "cancelled",
    ("liaison", "refused_after_confirm"): "refused",
    ("reprise", "referred"): "referred", ("reprise", "scheduled"): "scheduled",
}
#: The calendar event's SEQUENCE once each case was driven: a date (0), moved (1),
#: then cancelled (one more).
EVENT_SEQUENCE = {"confirmed": 0, "rescheduled": 1, "cancelled": 1,
                  "refused_after_confirm": 1, "scheduled": 0}
CLOSED = ("cancelled", "refused")


def aware(moment: datetime | str | None) -> datetime | None:
    if moment is None:
        return None
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def sample(items: Any, count: int = 8) -> list[Any]:
    return list(items)[:count]


def test_the_faults_did_happen(recovered_run: Snapshot) -> None:
    """The checks below mean something only if every fault was really injected."""
    figures = recovered_run.figures
    never_killed = [name for name in LONG_RUNNING if figures["kill -9 par processus"][name] < 1]
    assert not never_killed, f"jamais tués : {never_killed}"
    assert figures["PostgreSQL arrêté (s)"] > 0
    assert figures["réponses 429 de Twilio"] >= 20
    refused = figures["refus SMTP par étape"]
    assert all(count >= 4 for count in refused.values()), refused  # two windows, each stage
    journal = "\n".join(recovered_run.journal)
    assert "notifier arrêté" in journal and "calendar arrêté" in journal


def test_every_case_is_in_the_state_it_was_driven_to(recovered_run: Snapshot) -> None:
    per_employee = Counter((p["employee_id"], p["kind"])
                           for p in recovered_run.procedures.values())
    doubled = {key: n for key, n in per_employee.items() if n > 1}
    assert not doubled, f"procédures ouvertes plusieurs fois : {sample(doubled.items())}"
    wrong = []
    for case in recovered_run.cases:
        row = recovered_run.procedures[case.procedure_id]
        expected = STATE_OF_INTENT[(case.kind, case.intent)]
        if row["state"] != expected or row["employee_id"] != case.employee_id:
            wrong.append((case.number, case.intent, row["state"]))
    assert not wrong, f"{len(wrong)} dossier(s) dans un autre état : {sample(wrong)}"


def test_no_work_is_left_and_nothing_failed(recovered_run: Snapshot) -> None:
    outbox = [(r["idempotency_key"], r["status"], r["last_error"]) for r in recovered_run.outbox
              if r["status"] != "delivered"]
    assert not outbox, f"{len(outbox)} message(s) du planificateur non remis : {sample(outbox)}"
    invites = [(r["idempotency_key"], r["status"], r["last_error"])
               for r in recovered_run.invites if r["status"] not in ("delivered", "superseded")]
    assert not invites, f"{len(invites)} invitation(s) non remises : {sample(invites)}"
    unsent = [(n["idempotency_key"], n["status"], n["possibly_sent"], n["last_error"])
              for n in recovered_run.notifications if n["status"] != "sent"]
    assert not unsent, f"{len(unsent)} notification(s) non envoyées : {sample(unsent)}"


def _due_keys(case: Case, procedure: dict[str, Any]) -> set[str]:
    """The notifications the case was due, by idempotency key (``relais-p{id}:...``)."""
    key = f"relais-p{case.procedure_id}:"
    if case.kind == "reprise":
        due = {key + "referral-spst:email"}
        if case.intent == "scheduled":
            due.add(key + "scheduled:sms:1")
        return due
    due = {key + "duty-employer:email", key + "information:sms"}
    if case.intent in CONFIRMED:
        due.add(key + "confirmed:sms:1")
    if case.intent == "rescheduled":
        due.add(key + "confirmed:sms:2")
    if case.intent == "cancelled":
        due.add(key + "cancelled:sms")
    if case.intent in ("refused", "refused_after_confirm"):
        due.add(key + "refused-employer:email")
    return due


def test_each_case_was_sent_what_it_was_due(recovered_run: Snapshot) -> None:
    sent = {n["idempotency_key"] for n in recovered_run.notifications if n["status"] == "sent"}
    missing = []
    for case in recovered_run.cases:
        procedure = recovered_run.procedures[case.procedure_id]
        missing += sorted(_due_keys(case, procedure) - sent)
        if case.kind == "liaison" and case.intent not in ("informed", "refused"):
            slots = f"relais-p{case.procedure_id}:slots-employer:email:"
            if not any(key.startswith(slots) for key in sent):
                missing.append(slots + "*")
    # Each employee on a long arrêt is also told of the pré-reprise visit.
    pre_reprise = {p["employee_id"]: p["id"] for p in recovered_run.procedures.values()
                   if p["kind"] == "pre_reprise"}
    for case in recovered_run.cases:
        if case.kind == "liaison":
            number = pre_reprise.get(case.employee_id)
            if number is None or f"relais-p{number}:information:sms" not in sent:
                missing.append(f"pré-reprise du salarié {case.employee_id}")
    assert not missing, f"{len(missing)} notification(s) dues jamais envoyées : {sample(missing)}"


def test_every_notification_went_out_exactly_once_or_is_flagged(
        recovered_run: Snapshot) -> None:
    notifications = {n["id"]: n for n in recovered_run.notifications}
    # E-mails: by the notification's id, and its stable Message-ID.
    mails = Counter(m.notification_id for m in recovered_run.mails)
    stray = [m for m in recovered_run.mails if m.notification_id not in notifications]
    assert not stray, f"e-mails reçus sans notification : {sample(stray)}"
    wrong_id = [m for m in recovered_run.mails if m.message_id != message_id_for(
        notifications[m.notification_id]["idempotency_key"], "relais.invalid")]
    assert not wrong_id, f"Message-ID instable : {sample(wrong_id)}"
    # SMS: Twilio has no idempotency key; recipient and text tell them apart.
    texts: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for n in notifications.values():
        if n["channel"] == "sms":
            texts[(n["recipient"], n["body"])].append(n)
    sms = Counter((s.to, s.body) for s in recovered_run.sms)
    stray_sms = [key for key in sms if key not in texts]
    assert not stray_sms, f"SMS reçus sans notification : {sample(stray_sms)}"

    lost, twice = [], []
    for n in notifications.values():
        if n["channel"] == "email":
            copies, flagged = mails[n["id"]], n["possibly_duplicated"]
            if copies == 0:
                lost.append(n["idempotency_key"])
            elif copies > 1 and not flagged:
                twice.append((n["idempotency_key"], copies))
    for key, group in texts.items():
        copies, flagged = sms[key], sum(1 for n in group if n["possibly_duplicated"])
        if copies < len(group):
            lost += [n["idempotency_key"] for n in group]
        elif copies > len(group) and not flagged:
            twice.append(([n["idempotency_key"] for n in group], copies))
    assert not lost, f"{len(lost)} notification(s) jamais arrivées : {sample(lost)}"
    assert not twice, f"envoyées plusieurs fois sans signalement : {sample(twice)}"


def test_invitations_match_their_case(recovered_run: Snapshot) -> None:
    invites: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for invite in recovered_run.invites:
        invites[int(invite["event_id"])].append(invite)
    sent_sms = {n["idempotency_key"]: n for n in recovered_run.notifications
                if n["status"] == "sent"}
    problems: list[str] = []
    for case in recovered_run.cases:
        if case.intent not in EVENT_SEQUENCE:
            continue
        procedure = recovered_run.procedures[case.procedure_id]
        uid = procedure["calendar_uid"]
        event = recovered_run.events.get(str(uid))
        if event is None:
            problems.append(f"{uid} : aucun événement")
            continue
        problems += _event_problems(case, procedure, event, invites[int(event["id"])])
        if procedure["state"] not in CLOSED:
            problems += _sms_problems(case, procedure, sent_sms)
    assert not problems, f"{len(problems)} écart(s) : {sample(problems, 12)}"


def _event_problems(case: Case, procedure: dict[str, Any], event: dict[str, Any],
                    rows: list[dict[str, Any]]) -> list[str]:
    uid = event["uid"]
    cancelled = procedure["state"] in CLOSED
    found = []
    if event["status"] != ("cancelled" if cancelled else "confirmed"):
        found.append(f"{uid} : {event['status']} pour un dossier {procedure['state']}")
    if aware(event["start_at"]) != aware(procedure["starts_at"]):
        found.append(f"{uid} : début {event['start_at']} au lieu de {procedure['starts_at']}")
    if event["sequence"] != EVENT_SEQUENCE[case.intent]:
        found.append(f"{uid} : SEQUENCE {event['sequence']} au lieu de "
                     f"{EVENT_SEQUENCE[case.intent]} ({case.intent})")
    organizer = str(event["organizer_email"]).lower()
    attendees = {a["email"].lower() for a in event["attendees"]} - {organizer}
    if {case.email.lower(), case.employer_email.lower()} - attendees:
        found.append(f"{uid} : salarié ou employeur absent des participants")
    by_attendee: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_attendee[row["email_key"]].append(row)
    for address in attendees:
        mine = sorted(by_attendee.get(email_key(address), []), key=lambda r: r["sequence"])
        if not mine:
            found.append(f"{uid} : aucune invitation pour un participant")
            continue
        last = mine[-1]
        method = "CANCEL" if cancelled else "REQUEST"
        if (last["sequence"], last["method"], last["status"]) != (
                event["sequence"], method, "delivered"):
            found.append(f"{uid} : dernière invitation {last['method']} SEQUENCE "
                         f"{last['sequence']} {last['status']}, attendu {method} SEQUENCE "
                         f"{event['sequence']} delivered")
        for older in mine[:-1]:
            if older["status"] == "superseded" and older["method"] != "REQUEST":
                found.append(f"{uid} : {older['method']} remplacé")
    return found


def _sms_problems(case: Case, procedure: dict[str, Any],
                  sent: dict[str, dict[str, Any]]) -> list[str]:
    """The employee's SMS with the date in force and, for a liaison, its ICS link."""
    purpose = "confirmed" if case.kind == "liaison" else "scheduled"
    key = f"relais-p{case.procedure_id}:{purpose}:sms:{procedure['sequence']}"
    notification = sent.get(key)
    if notification is None:
        return [f"{key} : SMS de la date en vigueur absent"]
    data = notification["data"] or {}
    found = []
    if aware(data.get("starts_at")) != aware(procedure["starts_at"]):
        found.append(f"{key} : date {data.get('starts_at')} au lieu de {procedure['starts_at']}")
    if case.kind == "liaison" and not (data.get("calendar_link")
                                       and data["calendar_link"] in notification["body"]):
        found.append(f"{key} : lien « ajouter à mon agenda » absent")
    return found
