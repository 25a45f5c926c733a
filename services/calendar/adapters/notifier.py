"""The narrow interface to the notifier for invitation e-mails, and its fake.

:class:`NotifierInvites` posts ``POST /api/v1/notifications`` with the service
token through :class:`shared.client.ServiceClient`, without its own retries:
the invites outbox retries with backoff, and a POST that timed out may be
posted again safely because the notifier answers the same notification for
the same idempotency key (and never sends twice).

Answers are sorted into three kinds:

- 200/202: accepted, with the notification's id;
- 409: the notifier already holds a notification under this key (for a
  request that differed, e.g. written before a restore): the attendee has had
  their e-mail, so it counts as delivered, with a note;
- connection errors, timeouts, 429 and 5xx: :class:`NotifierUnavailable`,
  retried; every other 4xx: :class:`NotifierRefused`, not retried.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any

from shared.client import ServiceClient, ServiceError

NOTIFICATIONS = "/api/v1/notifications"


class NotifierUnavailable(Exception):
    """The notifier could not take the message now: try again later."""


class NotifierRefused(Exception):
    """The notifier refused the message (4xx): retrying the same request cannot help."""


@dataclass(frozen=True)
class InviteEmail:
    """One iMIP e-mail: a template, its data, and the ICS whose METHOD is ``method``."""

    to: str
    template: str
    data: dict[str, Any]
    ics: str
    method: str
    idempotency_key: str

    def payload(self) -> dict[str, Any]:
        """The body of ``POST /api/v1/notifications``."""
        return {
            "channel": "email", "to": self.to, "template": self.template, "data": self.data,
            "locale": "fr", "idempotency_key": self.idempotency_key,
            "attachments": [{"filename": "invite.ics",
                             "content_type": f"text/calendar; method={self.method}",
                             "content": self.ics}],
        }


@dataclass(frozen=True)
class Accepted:
    """The notifier has the message: its id, or None with a note (already known)."""

    notification_id: str | None
    note: str | None = None


class InviteSender(abc.ABC):
    """Hands invitation e-mails to whoever sends them."""

    @abc.abstractmethod
    def send(self, message: InviteEmail) -> Accepted:
        """:raises NotifierUnavailable: retry later. :raises NotifierRefused: do not."""


def _reason(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return f"{error.get('code', '')} : {error.get('message', '')}".strip(" :")
    return str(body)[:200] if body else ""


class NotifierInvites(InviteSender):
    """The real notifier over HTTP.

    :param base_url: ``NOTIFIER_URL``, e.g. ``http://127.0.0.1:8002``.
    :param token: the service token.
    :param timeout: seconds to connect and to read the answer.
    """

    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self.client = ServiceClient(base_url, token, timeout=(timeout, timeout), retries=0)

    def send(self, message: InviteEmail) -> Accepted:
        try:
            body = self.client.post(NOTIFICATIONS, json=message.payload())
        except ServiceError as exc:
            return self._failed(exc)
        if not isinstance(body, dict) or not body.get("id"):
            raise NotifierUnavailable(f"réponse inattendue du notifier : {str(body)[:200]}")
        return Accepted(str(body["id"]))

    @staticmethod
    def _failed(exc: ServiceError) -> Accepted:
        status = exc.status
        if status is None or status == 429 or status >= 500:
            raise NotifierUnavailable(f"notifier injoignable ({status or exc})") from exc
        if status == 409:
            return Accepted(None, f"409 {_reason(exc.body)}"[:500])
        raise NotifierRefused(f"{status} {_reason(exc.body)}"[:500]) from exc


@dataclass
class FakeInvites(InviteSender):
    """Keeps what it is given; ``down`` makes it unavailable, ``refuse`` refuses."""

    sent: list[InviteEmail] = field(default_factory=list)
    down: bool = False
    refuse: str | None = None

    def send(self, message: InviteEmail) -> Accepted:
        if self.down:
            raise NotifierUnavailable("notifier injoignable (faux)")
        if self.refuse:
            raise NotifierRefused(self.refuse)
        self.sent.append(message)
        return Accepted(f"fake-{len(self.sent)}")
