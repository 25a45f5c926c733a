"""The life of a notification: its statuses and the moves allowed between them.

``queued`` waits for the dispatcher; ``sending`` is claimed by one dispatcher
(a lease: if that process dies, the row is claimed again once the lease runs
out); ``sent`` means the provider accepted it; ``delivered`` and
``undelivered`` come from the provider's status callbacks. ``failed`` and
``cancelled`` are ours. The four final statuses are never left.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a notification stands."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = frozenset({Status.DELIVERED, Status.UNDELIVERED, Status.FAILED, Status.CANCELLED})

ALLOWED: dict[Status, frozenset[Status]] = {
    # A queued row can also fail without a send (opted out when its turn came).
    Status.QUEUED: frozenset({Status.SENDING, Status.CANCELLED, Status.FAILED}),
    # Back to queued after a transient error; provider callbacks may overtake
    # our own record of the send, hence delivered/undelivered from sending.
    Status.SENDING: frozenset(
        {Status.QUEUED, Status.SENT, Status.FAILED, Status.DELIVERED, Status.UNDELIVERED}
    ),
    Status.SENT: frozenset({Status.DELIVERED, Status.UNDELIVERED, Status.FAILED}),
    Status.DELIVERED: frozenset(),
    Status.UNDELIVERED: frozenset(),
    Status.FAILED: frozenset(),
    Status.CANCELLED: frozenset(),
}

ALL_STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


class TransitionError(Exception):
    """A move the life cycle does not allow (e.g. cancelling a sent message)."""


def is_final(status: str) -> bool:
    """True for delivered, undelivered, failed and cancelled."""
    return Status(status) in FINAL


def can_move(current: str, target: str) -> bool:
    """True when ``current -> target`` is allowed (staying put is not a move)."""
    return Status(target) in ALLOWED[Status(current)]


def check_move(current: str, target: str) -> Status:
    """Return ``target`` as a :class:`Status`, or refuse the move.

    :raises TransitionError: when the life cycle forbids it.
    """
    if not can_move(current, target):
        raise TransitionError(f"{current} -> {target} interdit")
    return Status(target)


def can_cancel(status: str) -> bool:
    """Only a notification still waiting in the queue can be cancelled."""
    return Status(status) is Status.QUEUED


# Twilio's MessageStatus values, mapped to ours. Twilio's "sending" and
# "accepted" mean it holds the message: for us it is sent (accepted by the
# provider). "read" (WhatsApp/RCS) implies delivered.
TWILIO_STATUSES: dict[str, Status] = {
    "accepted": Status.SENT,
    "scheduled": Status.SENT,
    "queued": Status.SENT,
    "sending": Status.SENT,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
    "canceled": Status.CANCELLED,
}


def from_provider_status(provider_status: str) -> Status | None:
    """Our status for a provider's status word, or None when it is unknown."""
    return TWILIO_STATUSES.get(provider_status.strip().lower())


def provider_move(current: str, reported: Status) -> Status | None:
    """The status to record for a provider report, or None to ignore it.

    Reports are idempotent and may arrive late or out of order: a report that
    would leave a final status, repeat the current one, or go backwards
    (``sent`` after ``delivered``) is ignored. A provider-side cancel is final
    even from ``sent``.
    """
    now = Status(current)
    if now in FINAL or reported is now:
        return None
    if reported is Status.CANCELLED and now in (Status.SENDING, Status.SENT):
        return reported
    return reported if can_move(now, reported) else None
