"""The providers as the faults see them: a Twilio that records, an SMTP server that records.

:class:`StormTwilio` is the Twilio-compatible fake of the notifier's own
tests, keeping every SMS it accepted (``To`` and ``Body``: Twilio's Messages
API has no idempotency key, so a message is recognised by its recipient and
text) and, while :attr:`StormTwilio.storm` is set, answering every request
``429`` (code 20429, ``Retry-After: 1``), as Twilio does under a burst.

:class:`MailSink` is an aiosmtpd handler keeping every message it took
(``Message-ID``, stable per notification, and ``X-Relais-Notification``, the
notification's id) and, while :attr:`MailSink.refusing` is set, refusing mail
with a temporary 4xx in turn at ``MAIL FROM``, ``RCPT TO`` and after ``DATA``.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from typing import Any

from services.notifier.adapters.fake_twilio import FakeTwilio, Scripted

ACCOUNT_SID = "AC" + "0" * 32
FROM_NUMBER = "+33700000000"
REFUSALS = ("MAIL", "RCPT", "DATA")


@dataclass(frozen=True)
class ReceivedSms:
    to: str
    body: str
    sid: str


class StormTwilio(FakeTwilio):
    """A fake Twilio recording the SMS it accepted; ``storm`` makes it answer 429."""

    def __init__(self) -> None:
        super().__init__(record=False)
        self.storm = threading.Event()
        self.delivered: list[ReceivedSms] = []
        self.throttled = 0

    def _answer(self, path: str, form: dict[str, str]) -> Scripted:
        if self.storm.is_set():
            with self._lock:
                self.throttled += 1
            return Scripted.error(429, 20429, headers={"Retry-After": "1"})
        answer = super()._answer(path, form)
        if answer.status == 201 and answer.body is not None:
            with self._lock:
                self.delivered.append(ReceivedSms(form["To"], form.get("Body", ""),
                                                  str(answer.body["sid"])))
        return answer


@dataclass(frozen=True)
class ReceivedMail:
    message_id: str
    notification_id: str
    recipients: tuple[str, ...]


class MailSink:
    """An aiosmtpd handler: keeps what it accepts, refuses for a while when told."""

    def __init__(self) -> None:
        self.refusing = threading.Event()
        self.received: list[ReceivedMail] = []
        self.refused: dict[str, int] = dict.fromkeys(REFUSALS, 0)
        self._turn = itertools.cycle(REFUSALS)
        self._lock = threading.Lock()
        self._stage: dict[int, str] = {}

    def _refuses_at(self, session: Any, stage: str) -> bool:
        """One stage of refusal per SMTP session, chosen in turn at MAIL FROM."""
        if stage == "MAIL":
            with self._lock:
                if self.refusing.is_set():
                    self._stage[id(session)] = next(self._turn)
                else:
                    self._stage.pop(id(session), None)
        with self._lock:
            refused = self._stage.get(id(session)) == stage
            if refused:
                self.refused[stage] += 1
        return refused

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self._refuses_at(session, "MAIL"):
            return "451 4.3.0 Service momentanément indisponible, réessayez plus tard"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self._refuses_at(session, "RCPT"):
            return "450 4.2.1 Boîte momentanément indisponible"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._refuses_at(session, "DATA"):
            return "451 4.3.0 Erreur locale, réessayez plus tard"
        raw = bytes(envelope.original_content or envelope.content)
        headers = BytesHeaderParser().parsebytes(raw)
        mail = ReceivedMail(str(headers.get("Message-ID", "")).strip(),
                            str(headers.get("X-Relais-Notification", "")).strip(),
                            tuple(envelope.rcpt_tos))
        with self._lock:
            self.received.append(mail)
        return "250 OK"
