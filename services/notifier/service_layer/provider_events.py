"""What providers tell us: delivery updates, opt-outs and the employees' answers.

Called by the Twilio webhooks (``entrypoints/webhooks.py``) and by the
dispatcher. Each function works inside the caller's unit of work.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifier.adapters.orm import Notification, OutboxMessage, SmsOptOut
from services.notifier.domain.errors import is_opt_out
from services.notifier.domain.states import Status, from_provider_status, provider_move
from services.notifier.service_layer.history import move

log = logging.getLogger(__name__)
REPLY_ANSWERS = ("yes", "no")


#: Query parameters of the status callback URL that name the send it is about.
NOTIFICATION_PARAM = "notification"
ATTEMPT_PARAM = "attempt"


@dataclass(frozen=True)
class SendReference:
    """Which send a status callback is about: our notification and attempt number.

    Carried in the status callback URL of each message (Twilio signs the URL
    with its query), so that an update that overtakes our own record of the
    send still finds its notification.
    """

    notification_id: str
    attempt: int


def status_callback_for(base_url: str | None, reference: SendReference) -> str | None:
    """The status callback URL of one send: ``base_url`` plus the send's reference."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    query = [*parse_qsl(parts.query, keep_blank_values=True),
             (NOTIFICATION_PARAM, reference.notification_id),
             (ATTEMPT_PARAM, str(reference.attempt))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def record_provider_status(session: Session, provider_id: str, status: str,
                           error_code: str | None, now: datetime,
                           sent_as: SendReference | None = None) -> bool:
    """Apply one delivery update (Twilio ``MessageStatus``) to its notification.

    Idempotent: a repeated, late or backwards update changes nothing, and a
    final status is never left. Error 21610 also records the number's opt-out.

    The notification is found by its provider id; when the update comes
    before the dispatcher has recorded the send (the provider answered, and
    its callback overtook our write), by ``sent_as``: the notification still
    ``sending`` that attempt, which then takes the provider id. The
    dispatcher's own record of that send, fenced by status, is then skipped,
    and a dispatcher killed in between will not send it again.

    :returns: False when no notification matches.
    """
    notification = session.scalars(
        select(Notification).where(Notification.provider_id == provider_id).with_for_update()
    ).first()
    if notification is None and sent_as is not None:
        notification = _overtaken_send(session, provider_id, sent_as, now)
    if notification is None:
        return False
    code = error_code or None
    if code and is_opt_out(code) and notification.channel == "sms":
        record_opt_out(session, notification.recipient, "provider_error", now)
    reported = from_provider_status(status)
    if reported is None:
        log.info("statut fournisseur inconnu %r pour %s : ignoré", status, notification.id)
        return True
    target = provider_move(notification.status, reported)
    if target is None:
        return True
    if code:
        notification.error_code = code
        notification.last_error = f"le fournisseur signale l'erreur {code}"
    move(session, notification, target, now, f"fournisseur : {status}"
         + (f" (erreur {code})" if code else ""))
    return True


def _overtaken_send(session: Session, provider_id: str, sent_as: SendReference,
                    now: datetime) -> Notification | None:
    """The notification being sent as ``sent_as``, given ``provider_id`` if it has none yet."""
    notification = session.get(Notification, sent_as.notification_id, with_for_update=True,
                               populate_existing=True)
    if notification is None or notification.channel != "sms":
        return None
    if notification.provider_id == provider_id:  # recorded while we waited for the lock
        return notification
    if (notification.provider_id is not None or notification.status != Status.SENDING
            or notification.attempts != sent_as.attempt):
        return None  # another attempt, or a send already settled
    notification.provider_id = provider_id
    notification.sent_at = now
    notification.last_error = notification.error_code = None  # of an earlier attempt
    log.info("statut fournisseur arrivé avant l'enregistrement de l'envoi de %s (essai %d)",
             notification.id, sent_as.attempt)
    return notification


def record_opt_out(session: Session, phone_e164: str, source: str, now: datetime) -> None:
    """Record that ``phone_e164`` refuses SMS (STOP, ARRET, or error 21610)."""
    _set_consent(session, phone_e164, True, source, now)
    log.info("opposition aux SMS enregistrée pour %s (%s)", phone_e164, source)


def record_opt_in(session: Session, phone_e164: str, source: str, now: datetime) -> None:
    """Record that ``phone_e164`` accepts SMS again (START)."""
    _set_consent(session, phone_e164, False, source, now)
    log.info("SMS de nouveau acceptés par %s (%s)", phone_e164, source)


def is_opted_out(session: Session, phone: str) -> bool:
    """True when ``phone`` (E.164) has opted out of SMS."""
    row = session.get(SmsOptOut, phone)
    return bool(row and row.opted_out)


def opted_out_among(session: Session, phones: set[str]) -> set[str]:
    """The numbers of ``phones`` that have opted out."""
    if not phones:
        return set()
    rows = session.scalars(select(SmsOptOut.phone).where(
        SmsOptOut.phone.in_(phones), SmsOptOut.opted_out.is_(True)))
    return set(rows)


def _set_consent(session: Session, phone: str, opted_out: bool, source: str,
                 now: datetime) -> None:
    row = session.get(SmsOptOut, phone, with_for_update=True)
    if row is None:
        session.add(SmsOptOut(phone=phone, opted_out=opted_out, source=source[:32],
                              updated_at=now))
        session.flush()
    else:
        row.opted_out, row.source, row.updated_at = opted_out, source[:32], now


def record_inbound_reply(session: Session, phone_e164: str, answer: str,
                         received_at: datetime, message_sid: str | None = None) -> None:
    """Queue the employee's answer (``yes`` or ``no``) for the scheduler.

    The worker posts it to ``{SCHEDULER_URL}/internal/v1/replies`` with the
    service token, and retries until the scheduler accepts it. The idempotency
    key is derived from the provider's message id when given (Twilio retrying
    the webhook), else from the number, answer and time: the same reply is
    queued once.

    :raises ValueError: on an answer other than ``yes`` or ``no``.
    """
    if answer not in REPLY_ANSWERS:
        raise ValueError(f"réponse inconnue : {answer!r}")
    seed = message_sid or f"{phone_e164}|{answer}|{received_at.isoformat()}"
    key = "reply:" + hashlib.sha256(seed.encode()).hexdigest()[:40]
    if session.scalars(select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key == key)).first() is not None:
        return
    session.add(OutboxMessage(
        kind="reply", idempotency_key=key, url=None, status="pending", attempts=0,
        next_attempt_at=received_at,
        payload={"phone": phone_e164, "answer": answer, "received_at": received_at.isoformat(),
                 "idempotency_key": key},
    ))
    session.flush()
