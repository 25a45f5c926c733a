"""Use cases of events: create or update by UID, cancel, read.

An event change, its CalDAV push and, when SEQUENCE rises, its invitation
e-mails (outbox rows) are written in the same transaction; the worker delivers
them. The feed VEVENT is rendered here, once per change, so that feeds only
join stored text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.calendar.adapters.orm import CaldavPush, EventRow, InviteRow
from services.calendar.adapters.repository import CalendarRepository, to_event, write_event
from services.calendar.domain import ics, model
from services.calendar.domain.model import Event, EventDetails, Revision
from services.calendar.service_layer import invites, push
from services.calendar.service_layer.errors import NotFound


@dataclass(frozen=True)
class EventView:
    """An event as the API shows it."""

    event: Event
    created_at: datetime
    updated_at: datetime
    push: CaldavPush | None
    send_invites: bool = True
    invites: Sequence[InviteRow] = ()


@dataclass(frozen=True)
class Upserted:
    view: EventView
    created: bool
    changed: bool


def render_feed_vevent(row: EventRow, event: Event) -> None:
    """Store the event's VEVENT as feeds list it (METHOD:PUBLISH, DTSTAMP = last change)."""
    row.feed_vevent = ics.render_vevent(event, ics.Method.PUBLISH, row.updated_at)
    row.render_version = ics.RENDER_VERSION


def _view(repo: CalendarRepository, row: EventRow) -> EventView:
    return EventView(to_event(row), row.created_at, row.updated_at, repo.push_of(row.id),
                     row.send_invites, invites.invites_of(repo.session, row.id))


def _touch_feeds(repo: CalendarRepository, planner_ids: set[int | None], now: datetime) -> None:
    for planner_id in planner_ids:
        planner = repo.planner(planner_id) if planner_id is not None else None
        if planner is not None:
            planner.feed_revision = (planner.feed_revision or 0) + 1
            planner.feed_changed_at = now


def _save(repo: CalendarRepository, row: EventRow, before: Event | None,
          revision: Revision, now: datetime) -> None:
    event = revision.event
    _touch_feeds(repo, {row.planner_id, event.details.planner_id}, now)
    write_event(row, event)
    row.updated_at = now
    render_feed_vevent(row, event)
    repo.add(row)
    push.enqueue(repo, row, now)
    if revision.meaningful:
        invites.enqueue(repo, row, before, event, now)


def _check_planner(repo: CalendarRepository, details: EventDetails) -> None:
    if details.planner_id is not None and repo.planner(details.planner_id) is None:
        raise NotFound("planificateur introuvable", "planner_id")


def upsert_event(repo: CalendarRepository, uid: str, details: EventDetails,
                 now: datetime, send_invites: bool | None = None) -> Upserted:
    """Create the event ``uid`` or apply ``details`` to it.

    The UID never changes; SEQUENCE rises only when the change matters
    (:func:`model.revise`), and then the attendees' e-mails are queued. The
    same request twice changes nothing, also when both create the UID at once
    (a caller retrying while its first request is still running): the one
    that loses the race applies its details to the winner's event.

    :param send_invites: whether Relais e-mails the invitations of this event
        from now on; None keeps the current choice (yes for a new event).

    :raises NotFound: for an unknown ``planner_id``.
    """
    _check_planner(repo, details)
    row = repo.event(uid, lock=True)
    if row is None:
        created = _create(repo, uid, details, now, send_invites)
        if created is not None:
            return created
        row = repo.event(uid, lock=True)
        if row is None:  # pragma: no cover - the winner's row is committed and kept
            raise NotFound("événement introuvable", "uid")
    if send_invites is not None:
        row.send_invites = send_invites
    before = to_event(row)
    revision = model.revise(before, details)
    if revision.changed:
        _save(repo, row, before, revision, now)
    return Upserted(_view(repo, row), created=False, changed=revision.changed)


def _create(repo: CalendarRepository, uid: str, details: EventDetails, now: datetime,
            send_invites: bool | None) -> Upserted | None:
    """Create ``uid`` in a savepoint; None when another request created it meanwhile."""
    revision = model.create(uid, details)
    row = EventRow(created_at=now, send_invites=send_invites is not False)
    try:
        with repo.session.begin_nested():
            _save(repo, row, None, revision, now)
    except IntegrityError:
        return None
    return Upserted(_view(repo, row), created=True, changed=True)


def cancel_event(repo: CalendarRepository, uid: str, now: datetime) -> EventView:
    """Cancel ``uid``: STATUS cancelled, SEQUENCE raised, attendees kept, CANCELs queued.

    :raises NotFound: for an unknown UID.
    """
    row = repo.event(uid, lock=True)
    if row is None:
        raise NotFound("événement introuvable", "uid")
    before = to_event(row)
    revision = model.cancel(before)
    if revision.changed:
        _save(repo, row, before, revision, now)
    return _view(repo, row)


def get_event(repo: CalendarRepository, uid: str) -> EventView:
    """:raises NotFound: for an unknown UID."""
    row = repo.event(uid)
    if row is None:
        raise NotFound("événement introuvable", "uid")
    return _view(repo, row)
