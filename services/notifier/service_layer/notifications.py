"""Use cases of the API: request a notification, read it, cancel it.

Persist first: a request is rendered, checked and committed before the API
answers; the dispatcher sends it later. The idempotency key is unique in the
database, so two concurrent requests with one key make one notification: the
loser of the race reads the winner's row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, exists, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notifier.adapters import templates
from services.notifier.adapters.orm import Notification, NotificationEvent, SmsOptOut
from services.notifier.adapters.wakeup import CHANNEL as QUEUED_CHANNEL
from services.notifier.domain.segments import measure
from services.notifier.domain.states import Status, can_cancel
from services.notifier.service_layer.emails import EmailBuildError, build_email
from services.notifier.service_layer.history import move
from services.notifier.service_layer.recipients import (
    InvalidRecipient,
    normalize_email,
    normalize_phone,
)
from services.notifier.service_layer.snapshots import Claimed
from shared.db import Database


class Refused(Exception):
    """A request the notifier will not take.

    :param status: HTTP status to answer (404, 409, 422).
    :param code: stable machine code.
    :param field: the offending request field, when there is one.
    """

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@dataclass(frozen=True)
class NotificationRequest:
    """What a caller asks for (already shaped by the API schema)."""

    channel: str
    to: str
    template: str
    idempotency_key: str
    data: dict[str, Any] = field(default_factory=dict)
    locale: str = "fr"
    not_before: datetime | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)
    callback_url: str | None = None

    def fingerprint(self, recipient: str) -> str:
        """A digest of the request, to tell a retry from a different request."""
        # Every field, as ``dataclasses.asdict`` would give them (without its
        # deep copy): the digest of a request stored earlier must not change.
        content = {
            "channel": self.channel, "to": recipient, "template": self.template,
            "idempotency_key": self.idempotency_key, "data": self.data, "locale": self.locale,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "attachments": self.attachments, "callback_url": self.callback_url,
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Queued:
    """What the API answers about a queued notification."""

    id: str
    status: str


@contextmanager
def unit_of_work(database: Database) -> Iterator[Connection]:
    """The connection :func:`submit` works in, committed before it is given back.

    PostgreSQL: an autocommit connection, since :func:`submit` writes with one
    statement, atomic and committed when it returns (no ``BEGIN``/``COMMIT``
    round trips, no ORM session). SQLite: a transaction, committed at the end.
    """
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            yield connection.execution_options(isolation_level="AUTOCOMMIT")
    else:
        with database.engine.begin() as connection:
            yield connection


def submit(connection: Connection, request: NotificationRequest, now: datetime
           ) -> tuple[Queued, bool]:
    """Queue the notification, or return the one already queued under its key.

    One round trip to the database in the common case on PostgreSQL: one
    statement inserts the notification unless its key is taken or the number
    opted out (``INSERT ... SELECT ... WHERE NOT EXISTS (opt-out) ON CONFLICT
    (idempotency_key) DO NOTHING``), together with its first history line and
    the dispatcher's wake-up (SQLite: the history line is a second statement).
    Only when nothing was inserted is the key read back. Answers are the same,
    in the same order of precedence, as checking the key, then the opt-out,
    then the template: a key already used wins over every other refusal.

    :param connection: from :func:`unit_of_work`.
    :returns: the notification (id and status) and whether this call created it.
    :raises Refused: invalid recipient or template data (422), opted-out
        phone (409), or the key reused for a different request (409).
    """
    recipient = _recipient(request)
    fingerprint = request.fingerprint(recipient)
    try:
        rendered = templates.render(request.channel, request.template, request.data,
                                    request.locale)
        if request.channel == "email":
            _check_email(request, recipient, rendered.subject, rendered.body, rendered.html,
                         now)
    except templates.TemplateError as exc:
        known = _known(connection, request, recipient, fingerprint)
        if known is not None:
            return known, False
        raise Refused(422, exc.code, str(exc), exc.field) from exc
    except Refused:
        known = _known(connection, request, recipient, fingerprint)
        if known is not None:
            return known, False
        raise
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()), "idempotency_key": request.idempotency_key,
        "fingerprint": fingerprint, "channel": request.channel, "recipient": recipient,
        "template": request.template, "locale": request.locale, "data": request.data,
        "subject": rendered.subject, "body": rendered.body, "html": rendered.html,
        "attachments": request.attachments,
        "segments": measure(rendered.body).segments if request.channel == "sms" else None,
        "callback_url": request.callback_url, "not_before": request.not_before,
        "next_attempt_at": max(now, request.not_before) if request.not_before else now,
        "status": Status.QUEUED.value, "attempts": 0, "possibly_duplicated": False,
        "possibly_sent": False, "created_at": now, "updated_at": now,
    }
    if _insert_new(connection, values, RECEIVED):
        return Queued(values["id"], values["status"]), True
    # Not inserted: the key is taken (committed by another request, maybe a
    # concurrent one this statement waited for), or the number opted out.
    known = _known(connection, request, recipient, fingerprint)
    if known is not None:
        return known, False
    raise RuntimeError(f"notification {request.idempotency_key!r} ni créée ni trouvée")


RECEIVED = "demande reçue"
NOTIFICATIONS = cast(Table, Notification.__table__)
EVENTS = cast(Table, NotificationEvent.__table__)
_NEW_COLUMNS = ("id", "idempotency_key", "fingerprint", "channel", "recipient", "template",
                "locale", "data", "subject", "body", "html", "attachments", "segments",
                "callback_url", "not_before", "next_attempt_at", "status", "attempts",
                "possibly_duplicated", "possibly_sent", "created_at", "updated_at")


def _guarded_insert(dialect: str) -> Any:
    """``INSERT INTO notifications ... SELECT <params> WHERE <not opted out>``.

    ``ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, status, created_at``;
    the opt-out test compares with ``:opt_out_phone`` (NULL for e-mail: never
    opted out).
    """
    table = NOTIFICATIONS
    opted_out = exists().where(
        SmsOptOut.phone == bindparam("opt_out_phone", type_=SmsOptOut.phone.type),
        SmsOptOut.opted_out.is_(True))
    source = select(*[bindparam(name, type_=table.c[name].type) for name in _NEW_COLUMNS]
                    ).where(~opted_out)
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (insert_(table).from_select(list(_NEW_COLUMNS), source)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.id, table.c.status, table.c.created_at))


def _insert_with_event() -> Any:
    """PostgreSQL: the guarded insert, the history line and the dispatcher's wake-up.

    One statement: ``WITH created AS (INSERT ...), history AS (INSERT ...)
    SELECT ..., pg_notify(...) FROM history``; the notification (see
    :mod:`services.notifier.adapters.wakeup`) leaves at commit, and only when
    a row was inserted.
    """
    events = EVENTS
    created = _guarded_insert("postgresql").cte("created")
    history = (events.insert()
               .from_select(["notification_id", "status", "at", "detail"],
                            select(created.c.id, created.c.status, created.c.created_at,
                                   bindparam("detail", type_=events.c.detail.type)))
               .returning(events.c.notification_id)
               .cte("history"))
    return select(history.c.notification_id,
                  func.pg_notify(literal_column(f"'{QUEUED_CHANNEL}'"), literal_column("''")))


_STATEMENTS: dict[str, Any] = {}


def _statement(name: str, build: Callable[[], Any]) -> Any:
    statement = _STATEMENTS.get(name)
    if statement is None:
        statement = _STATEMENTS[name] = build()
    return statement


def _insert_new(connection: Connection, values: dict[str, Any], detail: str) -> bool:
    """Insert the notification ``values`` and its first history line, unless refused.

    :returns: False when nothing was written: the key is taken or the phone
        opted out (the guard of :func:`_guarded_insert`).
    """
    dialect = connection.dialect.name
    params = {name: values[name] for name in _NEW_COLUMNS}
    params["opt_out_phone"] = values["recipient"] if values["channel"] == "sms" else None
    if dialect == "postgresql":
        statement = _statement(dialect, _insert_with_event)
        return connection.execute(statement, params | {"detail": detail}).first() is not None
    statement = _statement(dialect, lambda: _guarded_insert(dialect))
    if connection.execute(statement, params).first() is None:
        return False
    connection.execute(EVENTS.insert(), {
        "notification_id": values["id"], "status": values["status"],
        "at": values["created_at"], "attempt": None, "detail": detail})
    return True


def _known(connection: Connection, request: NotificationRequest, recipient: str,
           fingerprint: str) -> Queued | None:
    """For a request not inserted: the checks that come first, in their order.

    :returns: the notification already queued under the key (same request),
        or None when the key is free and the number has not opted out.
    :raises Refused: the key used for another request (409), then the
        opt-out (409).
    """
    existing = connection.execute(
        select(Notification.id, Notification.status, Notification.fingerprint)
        .where(Notification.idempotency_key == request.idempotency_key)).first()
    if existing is not None:
        if existing.fingerprint != fingerprint:
            raise Refused(409, "idempotency_conflict", "cette clé d'idempotence a déjà servi "
                          "pour une demande différente", "idempotency_key")
        return Queued(existing.id, existing.status)
    if request.channel == "sms" and connection.execute(
            select(SmsOptOut.opted_out).where(SmsOptOut.phone == recipient)).scalar():
        raise Refused(409, "sms_opted_out", "ce numéro a refusé les SMS (STOP) : "
                      "utilisez l'e-mail pour joindre cette personne", "to")
    return None


def get(session: Session, notification_id: str) -> tuple[Notification, list[NotificationEvent]]:
    """The notification and its history, oldest first.

    :raises Refused: 404 when there is none.
    """
    notification = session.get(Notification, notification_id)
    if notification is None:
        raise Refused(404, "not_found", "notification introuvable")
    events = session.scalars(select(NotificationEvent).where(
        NotificationEvent.notification_id == notification_id).order_by(NotificationEvent.id))
    return notification, list(events)


def cancel(session: Session, notification_id: str, now: datetime) -> Notification:
    """Cancel a notification still in the queue: it will never be sent.

    Cancelling twice is harmless.

    :raises Refused: 404 when unknown, 409 when it is being sent or already gone.
    """
    notification = session.get(Notification, notification_id, with_for_update=True)
    if notification is None:
        raise Refused(404, "not_found", "notification introuvable")
    if notification.status == Status.CANCELLED:
        return notification
    if not can_cancel(notification.status):
        raise Refused(409, "not_cancellable", "trop tard pour annuler : la notification est "
                      f"déjà au statut {notification.status}")
    move(session, notification, Status.CANCELLED, now, "annulée à la demande")
    return notification


def _recipient(request: NotificationRequest) -> str:
    try:
        if request.channel == "sms":
            return normalize_phone(request.to)
        return normalize_email(request.to)
    except InvalidRecipient as exc:
        raise Refused(422, "invalid_input", f"to : {exc}", "to") from exc


def _check_email(request: NotificationRequest, recipient: str, subject: str | None,
                 body: str, html: str | None, now: datetime) -> None:
    """Build the message once now, so that a bad invite is refused at request time."""
    trial = Claimed(id="essai", channel="email", recipient=recipient, body=body,
                    idempotency_key=request.idempotency_key, attempts=0, created_at=now,
                    subject=subject, html=html, attachments=request.attachments)
    try:
        build_email(trial, "Relais <verification@relais.invalid>")
    except EmailBuildError as exc:
        raise Refused(422, "invalid_input", f"attachments : {exc}", "attachments") from exc
