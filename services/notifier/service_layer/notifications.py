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
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.notifier.adapters import templates
from services.notifier.adapters.orm import Notification, NotificationEvent
from services.notifier.domain.segments import measure
from services.notifier.domain.states import Status, can_cancel
from services.notifier.service_layer.emails import EmailBuildError, build_email
from services.notifier.service_layer.history import move, note
from services.notifier.service_layer.provider_events import is_opted_out
from services.notifier.service_layer.recipients import (
    InvalidRecipient,
    normalize_email,
    normalize_phone,
)
from services.notifier.service_layer.snapshots import Claimed


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
        content = asdict(self) | {"to": recipient, "not_before": (
            self.not_before.isoformat() if self.not_before else None)}
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def submit(session: Session, request: NotificationRequest, now: datetime
           ) -> tuple[Notification, bool]:
    """Queue the notification, or return the one already queued under its key.

    :returns: the notification and whether this call created it.
    :raises Refused: invalid recipient or template data (422), opted-out
        phone (409), or the key reused for a different request (409).
    """
    recipient = _recipient(request)
    fingerprint = request.fingerprint(recipient)
    existing = _by_key(session, request.idempotency_key)
    if existing is not None:
        return _same(existing, fingerprint), False
    if request.channel == "sms" and is_opted_out(session, recipient):
        raise Refused(409, "sms_opted_out", "ce numéro a refusé les SMS (STOP) : "
                      "utilisez l'e-mail pour joindre cette personne", "to")
    try:
        rendered = templates.render(request.channel, request.template, request.data,
                                    request.locale)
    except templates.TemplateError as exc:
        raise Refused(422, "invalid_input", str(exc), exc.field) from exc
    if request.channel == "email":
        _check_email(request, recipient, rendered.subject, rendered.body, rendered.html, now)
    notification = Notification(
        id=str(uuid.uuid4()), idempotency_key=request.idempotency_key, fingerprint=fingerprint,
        channel=request.channel, recipient=recipient, template=request.template,
        locale=request.locale, data=request.data, subject=rendered.subject,
        body=rendered.body, html=rendered.html, attachments=request.attachments,
        segments=measure(rendered.body).segments if request.channel == "sms" else None,
        callback_url=request.callback_url, not_before=request.not_before,
        next_attempt_at=max(now, request.not_before) if request.not_before else now,
        status=Status.QUEUED.value, attempts=0, possibly_duplicated=False,
        possibly_sent=False, created_at=now, updated_at=now,
    )
    session.add(notification)
    try:
        session.flush()
    except IntegrityError:
        # Another request with the same key committed first. This transaction
        # has only read so far: roll it back and answer with the winner's row.
        session.rollback()
        winner = _by_key(session, request.idempotency_key)
        if winner is None:
            raise
        return _same(winner, fingerprint), False
    note(session, notification, now, "demande reçue")
    return notification, True


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


def _by_key(session: Session, key: str) -> Notification | None:
    return session.scalars(select(Notification).where(
        Notification.idempotency_key == key)).first()


def _same(existing: Notification, fingerprint: str) -> Notification:
    if existing.fingerprint != fingerprint:
        raise Refused(409, "idempotency_conflict", "cette clé d'idempotence a déjà servi "
                      "pour une demande différente", "idempotency_key")
    return existing
