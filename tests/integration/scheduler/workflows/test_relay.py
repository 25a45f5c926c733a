"""The outbox relay against the real notifier and calendar apps, and against a down peer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from services.scheduler.adapters.orm import DueAction, Procedure
from services.scheduler.adapters.peers import UNKNOWN_TEMPLATE, PeerError
from services.scheduler.service_layer import sweeps
from services.scheduler.service_layer.relay import OutboxRelay
from shared.web import database
from tests.integration.scheduler.conftest import Tenant
from tests.integration.scheduler.workflows.conftest import (
    TOKEN,
    ClientPeers,
    Clock,
    FakePeers,
    make_case,
    outbox,
)


def _confirmed(spst: Tenant) -> int:
    case = make_case(spst)
    procedure_id = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {}).json["id"]
    spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    answer = spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
                       {"starts_at": "2025-04-16T10:00:00+02:00"})
    assert answer.status_code == 200, answer.json
    return int(procedure_id)


def test_the_relay_delivers_to_the_real_notifier_and_calendar(
        wf_app: Flask, spst: Tenant, notifier_app: Flask, calendar_app: Flask,
        clock: Clock) -> None:
    procedure_id = _confirmed(spst)
    peers = ClientPeers(notifier_app.test_client(), calendar_app.test_client())
    relay = OutboxRelay(database(wf_app), peers)
    report = relay.run_until_idle(clock())
    assert report.failed == 0 and report.retried == 0
    rows = outbox(wf_app)
    assert rows and all(row.status == "delivered" for row in rows)
    event = calendar_app.test_client().get(f"/api/v1/events/relais-liaison-{procedure_id}",
                                           headers=TOKEN)
    assert event.status_code == 200 and event.json["status"] == "confirmed"
    sms = next(r for r in rows if r.purpose == "confirmed")
    sent = notifier_app.test_client().get(
        "/api/v1/notifications/" + _notification_id(notifier_app, sms.idempotency_key),
        headers=TOKEN)
    assert sent.status_code == 200 and sent.json["template"] == "liaison_confirmed"
    assert relay.run_until_idle(clock()).delivered == 0  # nothing twice


def _notification_id(app: Flask, key: str) -> str:
    from sqlalchemy import select

    from services.notifier.adapters.orm import Notification

    with database(app).session() as session:
        found = session.scalars(select(Notification.id).where(
            Notification.idempotency_key == key)).first()
    assert found is not None
    return str(found)


def test_a_down_peer_loses_nothing(wf_app: Flask, spst: Tenant, peers: FakePeers,
                                   clock: Clock) -> None:
    _confirmed(spst)
    relay = OutboxRelay(database(wf_app), peers)
    peers.down = True
    report = relay.run_once(clock())
    # The SMS with the invite link waits behind its event's creation.
    assert report.delivered == 0 and report.retried == len(outbox(wf_app)) - 1
    assert all(row.status == "pending" for row in outbox(wf_app))
    assert sum(1 for row in outbox(wf_app) if row.last_error) == report.retried
    peers.down = False
    assert relay.run_once(clock()).delivered == 0  # backing off
    later = clock.advance(minutes=5)
    relay.run_until_idle(later)
    assert all(row.status == "delivered" for row in outbox(wf_app))
    operations = [name for name, _ in peers.calls]
    assert operations.index("put_event") < len(operations)
    keys = [payload["idempotency_key"] for name, payload in peers.calls if name == "notify"]
    assert len(keys) == len(set(keys))


def test_a_refused_message_fails_at_once(wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    class Refusing(FakePeers):
        def notify(self, payload: dict[str, Any]) -> None:
            raise PeerError("422 modèle inconnu", 422)

    _confirmed(spst)
    OutboxRelay(database(wf_app), Refusing()).run_until_idle(clock())
    notify_rows = outbox(wf_app, operation="notify")
    assert notify_rows and all(row.status == "failed" for row in notify_rows)


def test_a_template_the_notifier_does_not_know_yet_is_retried(
        wf_app: Flask, spst: Tenant, clock: Clock) -> None:
    """During an upgrade the scheduler may be newer than the notifier: keep the message."""

    class NotUpgradedYet(FakePeers):
        upgraded = False

        def notify(self, payload: dict[str, Any]) -> None:
            if not self.upgraded:
                raise PeerError("422 pas de modèle", 422, UNKNOWN_TEMPLATE)
            super().notify(payload)

    _confirmed(spst)
    peers = NotUpgradedYet()
    relay = OutboxRelay(database(wf_app), peers)
    relay.run_until_idle(clock())
    waiting = outbox(wf_app, operation="notify")
    assert waiting and all(row.status == "pending" and row.attempts == 1 for row in waiting)
    peers.upgraded = True
    relay.run_until_idle(clock() + timedelta(minutes=5))
    assert all(row.status == "delivered" for row in outbox(wf_app, operation="notify"))
    assert len([name for name, _ in peers.calls if name == "notify"]) == len(waiting)


def test_two_concurrent_sweeps_claim_disjoint_work(wf_app: Flask, spst: Tenant,
                                                   clock: Clock, db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    case = make_case(spst)
    procedure_id = spst.post(f"/api/v1/employees/{case.employee_id}/liaison", {}).json["id"]
    spst.post(f"/api/v1/procedures/{procedure_id}/answer", {"accept": True})
    spst.post(f"/api/v1/procedures/{procedure_id}/confirm",
              {"starts_at": "2025-04-16T10:00:00+02:00"})
    db = database(wf_app)
    with db.session() as session:
        procedure = session.get(Procedure, procedure_id)
        assert procedure is not None
        for hour in range(40):
            session.add(DueAction(spst_id=spst.spst_id, procedure_id=procedure_id,
                                  kind="liaison_reminder", status="pending",
                                  due_at=clock() - timedelta(hours=hour + 1)))
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        report = sweeps.run_due_actions(db, clock(), None, limit=100)
        counts.append(report.counts.get("liaison_reminder", 0))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 40
    assert len(outbox(wf_app, purpose="reminder")) == 1  # same key: one SMS


def test_the_worker_jobs_are_configured(wf_app: Flask) -> None:
    from services.scheduler.entrypoints.worker import build_scheduler

    scheduler = build_scheduler(wf_app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"outbox-relay", "due-actions", "daily-sweep", "retention-purge"}
    assert all(job.misfire_grace_time for job in jobs.values())
    assert str(scheduler.timezone) == "Europe/Paris"
    assert datetime.now(UTC)


def test_two_concurrent_daily_sweeps_open_each_procedure_once(wf_app: Flask, spst: Tenant,
                                                              clock: Clock,
                                                              db_backend: str) -> None:
    if db_backend != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    employees = [make_case(spst).employee_id for _ in range(20)]
    db = database(wf_app)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sweep() -> None:
        barrier.wait()
        try:
            sweeps.run_daily(db, clock())
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.session() as session:
        opened = session.execute(select(Procedure.id, Procedure.employee_id, Procedure.kind)).all()
    kinds = [(row.employee_id, row.kind) for row in opened]
    assert len(kinds) == len(set(kinds))  # no procedure opened twice
    assert sorted(e for e, kind in kinds if kind == "liaison") == sorted(employees)
    told: dict[int | None, list[str]] = {}
    for message in outbox(wf_app, purpose="information"):
        told.setdefault(message.procedure_id, []).append(message.payload["template"])
    assert set(told) == {row.id for row in opened}
    assert all(len(sent) == 1 for sent in told.values())  # each told once, never twice
