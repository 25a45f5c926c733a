"""In-memory gateways for tests: they record what was sent and fail on demand.

``outcomes`` is a script: each call takes the next item; an exception is
raised, anything else is ignored (the call succeeds). When the script is empty
every call succeeds.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage

from services.notifier.adapters.gateways import EmailGateway, SendResult, SmsGateway


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    status_callback: str | None
    idempotency_key: str


class _Script:
    def __init__(self, outcomes: list[BaseException | None] | None, delay: float) -> None:
        self.outcomes = list(outcomes or [])
        self.delay = delay
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.calls = 0

    def next(self) -> str:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            outcome = self.outcomes.pop(0) if self.outcomes else None
            number = next(self.counter)
        if isinstance(outcome, BaseException):
            raise outcome
        return f"FAKE{number:08d}"


class FakeSmsGateway(SmsGateway):
    """Keeps every accepted SMS in :attr:`sent`."""

    def __init__(self, outcomes: list[BaseException | None] | None = None,
                 delay: float = 0.0) -> None:
        self.script = _Script(outcomes, delay)
        self.sent: list[SentSms] = []

    @property
    def calls(self) -> int:
        return self.script.calls

    def fail_next(self, *errors: BaseException) -> None:
        with self.script.lock:
            self.script.outcomes.extend(errors)

    def send(self, *, to: str, body: str, status_callback: str | None,
             idempotency_key: str) -> SendResult:
        provider_id = self.script.next()
        with self.script.lock:
            self.sent.append(SentSms(to, body, status_callback, idempotency_key))
        return SendResult(provider_id=provider_id, status="queued")


class FakeEmailGateway(EmailGateway):
    """Keeps every accepted message in :attr:`sent`."""

    def __init__(self, outcomes: list[BaseException | None] | None = None,
                 delay: float = 0.0) -> None:
        self.script = _Script(outcomes, delay)
        self.sent: list[EmailMessage] = []

    @property
    def calls(self) -> int:
        return self.script.calls

    def fail_next(self, *errors: BaseException) -> None:
        with self.script.lock:
            self.script.outcomes.extend(errors)

    def send(self, message: EmailMessage) -> SendResult:
        provider_id = self.script.next()
        with self.script.lock:
            self.sent.append(message)
        return SendResult(provider_id=provider_id, status="sent")
