"""Every query of the calendar's tables, and the mapping of rows to domain events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.calendar.adapters.orm import (
    MAX_ID,
    CaldavAccount,
    CaldavPush,
    EventRow,
    FeedToken,
    InviteRow,
    Planner,
)
from services.calendar.domain.model import Attendee, Event, EventDetails, Person, Role, Status


def to_event(row: EventRow) -> Event:
    """The domain event of a row."""
    details = EventDetails(
        start=row.start_at, end=row.end_at, summary=row.summary,
        organizer=Person(row.organizer_name, row.organizer_email),
        description=row.description, location=row.location, video_url=row.video_url,
        attendees=tuple(Attendee(a["name"], a["email"], Role(a["role"])) for a in row.attendees),
        status=Status(row.status), timezone=row.timezone, planner_id=row.planner_id,
    )
    return Event(row.uid, details, row.sequence)


def write_event(row: EventRow, event: Event) -> None:
    """Copy ``event`` onto ``row`` (rendering columns excepted)."""
    details = event.details
    row.uid, row.sequence = event.uid, event.sequence
    row.start_at, row.end_at = details.start, details.end
    row.timezone, row.summary, row.description = details.timezone, details.summary, \
        details.description
    row.location, row.video_url = details.location, details.video_url
    row.organizer_name, row.organizer_email = details.organizer.name, details.organizer.email
    row.attendees = [{"name": a.name, "email": a.email, "role": a.role.value}
                     for a in details.attendees]
    row.status, row.planner_id = details.status.value, details.planner_id


class CalendarRepository:
    """Planners, events, feed tokens, CalDAV accounts and pushes, in one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Planner | EventRow | FeedToken | CaldavAccount | CaldavPush
            | InviteRow) -> None:
        self.session.add(row)
        self.session.flush()

    # -- planners ---------------------------------------------------------------

    def planner(self, planner_id: int) -> Planner | None:
        if not 1 <= planner_id <= MAX_ID:
            return None
        return self.session.get(Planner, planner_id)

    def caldav_account(self, planner_id: int) -> CaldavAccount | None:
        return self.session.get(CaldavAccount, planner_id)

    # -- events -----------------------------------------------------------------

    def event(self, uid: str, lock: bool = False) -> EventRow | None:
        query = select(EventRow).where(EventRow.uid == uid)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def events_between(self, planner_id: int, start: datetime, end: datetime,
                       include_cancelled: bool = True) -> Sequence[EventRow]:
        """The planner's events overlapping ``[start, end)``, in start order."""
        query = select(EventRow).where(
            EventRow.planner_id == planner_id, EventRow.start_at < end, EventRow.end_at > start)
        if not include_cancelled:
            query = query.where(EventRow.status != Status.CANCELLED.value)
        return self.session.scalars(query.order_by(EventRow.start_at, EventRow.id)).all()

    def feed_rows(self, planner_id: int, start: datetime,
                  end: datetime) -> Sequence[tuple[int, str, int]]:
        """``(id, feed_vevent, render_version)`` of the feed's events, cheaply."""
        query = select(EventRow.id, EventRow.feed_vevent, EventRow.render_version).where(
            EventRow.planner_id == planner_id, EventRow.start_at < end, EventRow.end_at > start,
            EventRow.status != Status.CANCELLED.value,
        ).order_by(EventRow.start_at, EventRow.id)
        return [(r[0], r[1], r[2]) for r in self.session.execute(query)]

    def rows_by_id(self, ids: Sequence[int]) -> Sequence[EventRow]:
        return self.session.scalars(select(EventRow).where(EventRow.id.in_(ids))).all()

    # -- feed tokens ------------------------------------------------------------

    def token_by_hash(self, digest: str) -> FeedToken | None:
        return self.session.scalars(select(FeedToken).where(FeedToken.token_hash == digest)).first()

    def revoke_tokens(self, planner_id: int, now: datetime) -> int:
        result = self.session.execute(
            update(FeedToken).where(FeedToken.planner_id == planner_id,
                                    FeedToken.revoked_at.is_(None)).values(revoked_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def has_active_token(self, planner_id: int) -> bool:
        return self.session.scalars(select(FeedToken.id).where(
            FeedToken.planner_id == planner_id, FeedToken.revoked_at.is_(None))).first() is not None

    # -- CalDAV pushes ----------------------------------------------------------

    def push_of(self, event_id: int) -> CaldavPush | None:
        return self.session.scalars(
            select(CaldavPush).where(CaldavPush.event_id == event_id)).first()

    def future_events(self, planner_id: int, now: datetime) -> Sequence[EventRow]:
        return self.session.scalars(select(EventRow).where(
            EventRow.planner_id == planner_id, EventRow.end_at > now)).all()

