"""The narrow interfaces behind which SMS and e-mail providers sit.

The dispatcher knows only these: a gateway sends one message and answers the
provider's id, or raises :class:`DeliveryError` saying whether trying again may
help and whether the message may have gone out anyway.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SendResult:
    """What a provider said when it accepted a message."""

    provider_id: str
    status: str = "sent"


class DeliveryError(Exception):
    """A provider refused or could not be reached.

    :param permanent: trying again cannot help (invalid number, opted out...).
    :param ambiguous: the message may have been accepted (e.g. a timeout while
        reading the answer): never resend it blindly.
    :param code: the provider's error code, e.g. ``21610``.
    :param retry_after: seconds the provider asked us to wait, if any.
    :param opted_out: the recipient has opted out of SMS (21610).
    """

    def __init__(
        self, message: str, *, permanent: bool = False, ambiguous: bool = False,
        code: str | None = None, retry_after: float | None = None, opted_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent, self.ambiguous, self.code = permanent, ambiguous, code
        self.retry_after, self.opted_out = retry_after, opted_out


class SmsGateway(abc.ABC):
    """Sends one SMS."""

    @abc.abstractmethod
    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        """Hand one SMS to the provider.

        :param to: E.164 number.
        :param status_callback: URL the provider posts delivery updates to.
        :param idempotency_key: stable per notification, for providers that use one.
        :raises DeliveryError: when the provider refuses or cannot be reached.
        """


class EmailGateway(abc.ABC):
    """Sends one e-mail."""

    @abc.abstractmethod
    def send(self, message: EmailMessage) -> SendResult:
        """Hand one complete message (headers included) to the provider.

        :raises DeliveryError: when the server refuses or cannot be reached.
        """
