"""Invitation e-mails (iMIP): the outbox written with each revision, and its delivery.

:func:`enqueue` runs in the transaction of the event change that raised
SEQUENCE: it renders the ICS of the revision once per method and writes one
``invites`` row per message of :func:`services.calendar.domain.invites.plan`.
:class:`InviteJob` is the worker's side, on the shared sweep of :mod:`.outbox`:
a queued ``REQUEST`` overtaken by a newer revision for the same attendee is
marked ``superseded``; every other row is posted to the notifier, ``delivered``
with the notification's id, retried with backoff when the notifier is
unavailable, ``failed`` when it refuses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.calendar.adapters.notifier import (
    InviteEmail,
    InviteSender,
    NotifierRefused,
    NotifierUnavailable,
)
from services.calendar.adapters.orm import EventRow, InviteRow
from services.calendar.adapters.repository import CalendarRepository
from services.calendar.domain import ics
from services.calendar.domain.invites import Decision, Invitation, decide, email_key, plan
from services.calendar.domain.model import Event
from services.calendar.service_layer import outbox
from services.calendar.service_layer.outbox import PENDING, Outcome, SweepReport
from shared.db import Database

DELIVERED, SUPERSEDED = "delivered", "superseded"


def enqueue(repo: CalendarRepository, row: EventRow, before: Event | None, after: Event,
            now: datetime) -> list[InviteRow]:
    """Queue the e-mails of the revision ``before`` -> ``after`` (SEQUENCE raised).

    Nothing when the event opted out (``send_invites`` false). ``now`` is the
    revision's DTSTAMP, the same as the ICS the API serves for it.
    """
    if not row.send_invites:
        return []
    rendered: dict[tuple[ics.Method, str | None], str] = {}
    rows = []
    for invitation in plan(before, after):
        alone = invitation.attendee.email if invitation.removed else None
        text = rendered.get((invitation.method, alone))
        if text is None:
            text = ics.render(invitation.as_sent(), invitation.method, now)
            rendered[(invitation.method, alone)] = text
        rows.append(_row(row.id, invitation, text, now))
    for invite in rows:
        repo.add(invite)
    return rows


def _row(event_id: int, invitation: Invitation, text: str, now: datetime) -> InviteRow:
    attendee = invitation.attendee
    return InviteRow(
        event_id=event_id, email=attendee.email, email_key=email_key(attendee.email),
        name=attendee.name, method=invitation.method.value, sequence=invitation.sequence,
        idempotency_key=invitation.key(), template=invitation.template,
        data=invitation.data(), ics=text, status=PENDING, attempts=0,
        next_attempt_at=now, created_at=now)


def invites_of(session: Session, event_id: int) -> Sequence[InviteRow]:
    """The event's invites, oldest revision first."""
    return session.scalars(select(InviteRow).where(InviteRow.event_id == event_id)
                           .order_by(InviteRow.sequence, InviteRow.id)).all()


def newest_sequence(session: Session, event_id: int, key: str) -> int | None:
    """The highest SEQUENCE queued or sent to one attendee (by ``email_key``) for an event."""
    found: int | None = session.scalar(select(func.max(InviteRow.sequence)).where(
        InviteRow.event_id == event_id, InviteRow.email_key == key))
    return found


@dataclass(frozen=True)
class Claim:
    """An invite claimed for one attempt; ``lease`` fences its record."""

    invite_id: int
    lease: datetime
    message: InviteEmail


class InviteJob(outbox.OutboxJob[InviteRow, Claim]):
    """The invites outbox, posted to the notifier."""

    model = InviteRow
    name = "invitations"

    def __init__(self, sender: InviteSender, policy: outbox.RetryPolicy | None = None) -> None:
        super().__init__(policy)
        self.sender = sender

    def claim(self, session: Session, item: InviteRow, now: datetime) -> Claim | None:
        lease = outbox.claim_row(session, InviteRow, item, now, self.policy)
        if lease is None:
            return None
        invite = session.get(InviteRow, item.id)
        if invite is None:  # pragma: no cover - rows are never deleted
            return None
        newest = newest_sequence(session, invite.event_id, invite.email_key)
        if decide(invite.method, invite.sequence, newest) is Decision.SUPERSEDED:
            invite.status, invite.last_error = SUPERSEDED, None
            return None
        return Claim(invite.id, lease, InviteEmail(
            to=invite.email, template=invite.template, data=dict(invite.data),
            ics=invite.ics, method=invite.method, idempotency_key=invite.idempotency_key))

    def deliver(self, claim: Claim) -> Outcome:
        try:
            accepted = self.sender.send(claim.message)
        except NotifierUnavailable as exc:
            return Outcome(error=str(exc) or exc.__class__.__name__)
        except NotifierRefused as exc:
            return Outcome(error=str(exc) or "refusé par le notifier", permanent=True)
        return Outcome(reference=accepted.notification_id, note=accepted.note)

    def record(self, session: Session, claim: Claim, outcome: Outcome, now: datetime) -> None:
        invite = session.get(InviteRow, claim.invite_id)
        if invite is None or invite.status != outbox.IN_PROGRESS \
                or invite.next_attempt_at != claim.lease:
            return  # taken over after our lease ran out: the other worker records
        outbox.apply_outcome(invite, outcome, now, self.policy, done=DELIVERED)
        if outcome.delivered:
            invite.notification_id, invite.delivered_at = outcome.reference, now


def run_due(db: Database, sender: InviteSender, now: datetime, limit: int = 50,
            policy: outbox.RetryPolicy | None = None) -> SweepReport:
    """Post every due invite (at most ``limit``) to the notifier."""
    return outbox.run(db, InviteJob(sender, policy), now, limit)
