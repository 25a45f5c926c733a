"""Use cases of planners: register one, attach their CalDAV calendar."""

from __future__ import annotations

from datetime import datetime

from services.calendar.adapters.orm import CaldavAccount, Planner
from services.calendar.adapters.repository import CalendarRepository
from services.calendar.adapters.secrets import SecretBox
from services.calendar.service_layer import push
from services.calendar.service_layer.errors import NotFound


def create_planner(repo: CalendarRepository, name: str, email: str, spst_id: int | None,
                   now: datetime) -> Planner:
    planner = Planner(name=name, email=email, spst_id=spst_id, created_at=now,
                      feed_revision=0)
    repo.add(planner)
    return planner


def get_planner(repo: CalendarRepository, planner_id: int) -> Planner:
    """:raises NotFound: for an unknown planner."""
    planner = repo.planner(planner_id)
    if planner is None:
        raise NotFound("planificateur introuvable")
    return planner


def set_caldav(repo: CalendarRepository, box: SecretBox, planner_id: int, url: str,
               username: str, password: str, now: datetime) -> CaldavAccount:
    """Store the planner's CalDAV calendar (password sealed) and push their coming events.

    :raises NotFound: for an unknown planner.
    """
    get_planner(repo, planner_id)
    account = repo.caldav_account(planner_id) or CaldavAccount(planner_id=planner_id)
    account.url, account.username = url, username
    account.password_encrypted = box.seal(password)
    account.updated_at = now
    repo.add(account)
    for row in repo.future_events(planner_id, now):
        push.enqueue(repo, row, now)
    return account
