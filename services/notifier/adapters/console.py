"""The ``console`` backend: no provider, messages logged and kept for /dev/outbox.

Used when no Twilio or SMTP setting is given, so that ``make run`` works
without an account. The log line is masked (the shared logging filter) and
never carries the body; the full message is stored in ``console_messages``,
the developer's inbox.
"""

from __future__ import annotations

import logging
import uuid
from email.message import EmailMessage
from typing import Any

from services.notifier.adapters.gateways import EmailGateway, SendResult, SmsGateway
from services.notifier.adapters.orm import ConsoleMessage
from services.notifier.domain.segments import measure
from shared.db import Database

log = logging.getLogger(__name__)


def _store(database: Database | None, **fields: Any) -> None:
    if database is None:
        return
    with database.session() as session:
        session.add(ConsoleMessage(**fields))


class ConsoleSmsGateway(SmsGateway):
    """Logs each SMS and keeps it in the database (when one is given)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database

    def send(self, *, to: str, body: str, status_callback: str | None,
             idempotency_key: str) -> SendResult:
        length = measure(body)
        _store(self.database, channel="sms", recipient=to, reference=idempotency_key,
               subject=None, body=body, html=None, attachments=[])
        log.info("SMS (console) pour %s : %d segment(s) %s", to, length.segments, length.encoding)
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}", status="sent")


class ConsoleEmailGateway(EmailGateway):
    """Logs each e-mail and keeps its parts in the database (when one is given)."""

    def __init__(self, database: Database | None = None) -> None:
        self.database = database

    def send(self, message: EmailMessage) -> SendResult:
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        names = [part.get_filename() or part.get_content_type()
                 for part in message.iter_attachments()]
        _store(self.database, channel="email", recipient=str(message["To"]),
               reference=str(message["X-Relais-Notification"] or message["Message-ID"]),
               subject=str(message["Subject"]),
               body=text.get_content() if isinstance(text, EmailMessage) else "",
               html=html.get_content() if isinstance(html, EmailMessage) else None,
               attachments=names)
        log.info("e-mail (console) pour %s : %d pièce(s) jointe(s)", message["To"], len(names))
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}", status="sent")
