"""Personal data purged a configurable number of months after a case closes, in each service.

Rows carry two clocks in these tests: the workflows' (April 2025) and, for the
columns the database fills itself, the machine's. The purges therefore run
"later" relative to the machine's clock, so that both are in the past.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.calendar.adapters.orm import EventRow, InviteRow
from services.calendar.entrypoints import worker as calendar_worker
from services.notifier.adapters.orm import Notification
from services.notifier.service_layer import retention as notifier_retention
from services.scheduler.adapters.orm import AuditEntry, Employee, OutboxMessage
from services.scheduler.entrypoints import worker as scheduler_worker
from shared.config import ConfigError
from shared.retention import DEFAULT_MONTHS, months_before, retention_months
from shared.web import database
from tests.integration.privacy.conftest import SERVICE, Stack
from tests.integration.privacy.workflow import run


def _later(months: int, days: int = 5) -> datetime:
    """``months`` months (and a few days) after the machine's present."""
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 + months
    return now.replace(year=index // 12, month=index % 12 + 1, day=min(now.day, 28)) \
        + timedelta(days=days)


def _count(app: object, model: object) -> int:
    with database(app).session() as session:  # type: ignore[arg-type]
        return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _employees(stack: Stack) -> set[str]:
    with database(stack.scheduler).session() as session:
        return set(session.scalars(select(Employee.first_name)))


def test_closed_cases_are_purged_after_the_retention_period_and_open_ones_kept(
        stack: Stack) -> None:
    story = run(stack)
    spst = stack.spst
    employer = story.employer_id
    # On the payroll, never on arrêt: followed for the mid-career visit, not a case.
    spst.employee(employer, first_name="Paul", last_name="Durand", birth_date="1980-01-15")
    # An arrêt that runs far beyond the cut-off: an open case.
    lucie = spst.employee(employer, first_name="Lucie", last_name="Bernard")
    end = (date.today() + timedelta(days=3 * 365)).isoformat()
    spst.arret(lucie["id"], cause="maladie", start="2025-03-01", end=end)
    stack.scheduler.config["RETENTION_MONTHS"] = 24
    soon = scheduler_worker.purge(stack.scheduler, _later(3))
    assert soon["employees"] == 0 and _employees(stack) == {"Marie", "Jean", "Paul", "Lucie"}

    stack.scheduler.config["RETENTION_MONTHS"] = 2  # the same day, a shorter setting
    done = scheduler_worker.purge(stack.scheduler, _later(3))
    assert done["employees"] == 2 and done["replies"] == 1
    assert _employees(stack) == {"Paul", "Lucie"}
    for employee in (story.marie, story.jean):
        assert spst.get(f"/api/v1/employees/{employee}").status_code == 404
        trail = spst.get(f"/api/v1/audit?employee_id={employee}").json["items"]
        # Older entries went with the case; the purge itself is recorded.
        assert [(e["action"], e["actor_type"], e["actor_id"]) for e in trail] == [
            ("purge", "system", "retention")]
    with database(stack.scheduler).session() as session:
        assert session.scalars(select(OutboxMessage)).all() == []
        assert session.scalar(select(func.min(AuditEntry.at))) is not None
    assert scheduler_worker.purge(stack.scheduler, _later(3)) == {
        "employees": 0, "messages": 0, "replies": 0, "audit_entries": 0}


def test_the_notifier_and_the_calendar_purge_their_old_copies(stack: Stack) -> None:
    run(stack)
    notifier, calendar = stack.notifier.test_client(), stack.calendar.test_client()
    queued = notifier.post("/api/v1/notifications", headers=SERVICE, json={
        "channel": "email", "to": "rh@example.fr", "template": "liaison_reminder",
        "idempotency_key": "relais-test-future-1", "not_before": "2099-01-05T09:00:00+00:00",
        "data": {"name": "Marie", "starts_at": "2099-01-06T09:00:00+01:00",
                 "location": "Paris", "link": "https://relais.example.fr/e/x"}})
    assert queued.status_code == 202, queued.json
    future = calendar.put("/api/v1/events/relais-liaison-9999", headers=SERVICE, json={
        "start": "2099-01-06T09:00:00+01:00", "end": "2099-01-06T10:00:00+01:00",
        "summary": "Rendez-vous de liaison", "location": "Paris",
        "organizer": {"name": "SPST", "email": "planification@spst.fr"}})
    assert future.status_code == 201, future.json
    notifications, events = _count(stack.notifier, Notification), _count(stack.calendar,
                                                                         EventRow)
    assert notifications >= 10 and events == 3 and _count(stack.calendar, InviteRow) >= 4

    report = notifier_retention.purge(database(stack.notifier), _later(25), DEFAULT_MONTHS)
    assert report.notifications == notifications - 1  # all sent long ago; not the queued one
    with database(stack.notifier).session() as session:
        left = session.scalars(select(Notification.idempotency_key)).all()
    assert left == ["relais-test-future-1"]
    assert notifier_retention.purge(database(stack.notifier), _later(25), 24).total == 0

    stack.calendar.config["RETENTION_MONTHS"] = 24
    purged = calendar_worker.purge(stack.calendar, _later(25))
    assert purged.events == 2 and purged.invites >= 4
    with database(stack.calendar).session() as session:
        assert session.scalars(select(EventRow.uid)).all() == ["relais-liaison-9999"]
    assert calendar_worker.purge(stack.calendar, _later(25)).total == 0


def test_the_setting_is_checked_and_every_worker_runs_the_purge(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    assert retention_months({}) == DEFAULT_MONTHS == 24
    assert retention_months({"RELAIS_RETENTION_MONTHS": "36"}) == 36
    for bad in ("0", "-3", "121", "deux ans"):
        with pytest.raises(ConfigError, match="RELAIS_RETENTION_MONTHS"):
            retention_months({"RELAIS_RETENTION_MONTHS": bad})
    assert months_before(datetime(2025, 3, 31, tzinfo=UTC), 1) == datetime(2025, 2, 28,
                                                                          tzinfo=UTC)
    assert months_before(datetime(2026, 2, 28, tzinfo=UTC), 24) == datetime(2024, 2, 28,
                                                                           tzinfo=UTC)
    assert months_before(datetime(2025, 1, 15, tzinfo=UTC), 13) == datetime(2023, 12, 15,
                                                                           tzinfo=UTC)
    for app, build in ((stack.scheduler, scheduler_worker.build_scheduler),
                       (stack.calendar, calendar_worker.build_scheduler)):
        jobs = {job.id: job for job in build(app).get_jobs()}
        assert "retention-purge" in jobs
        assert str(jobs["retention-purge"].trigger).startswith("cron")
        monkeypatch.setenv("RELAIS_RETENTION_MONTHS", "0")
        with pytest.raises(ConfigError):
            build(app)
        monkeypatch.delenv("RELAIS_RETENTION_MONTHS")


def test_the_purges_indexes_are_migrated_on_every_service(stack: Stack) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from services.calendar.adapters.orm import metadata as calendar
    from services.notifier.adapters.orm import metadata as notifier
    from services.scheduler.adapters.orm import metadata as scheduler

    for app, metadata in ((stack.scheduler, scheduler), (stack.notifier, notifier),
                          (stack.calendar, calendar)):
        with database(app).engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
