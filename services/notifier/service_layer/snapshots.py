"""What a dispatcher carries out of the database to send one notification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from services.notifier.adapters.orm import Notification


@dataclass(frozen=True)
class Claimed:
    """A notification claimed for one attempt; ``attempts`` is this attempt's number.

    The pair (``id``, ``attempts``) fences the result: it is recorded only if
    the row is still ``sending`` at that attempt, so a dispatcher whose lease
    ran out cannot overwrite the record of the one that took over.
    """

    id: str
    channel: str
    recipient: str
    body: str
    idempotency_key: str
    attempts: int
    created_at: datetime
    subject: str | None = None
    html: str | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)
    possibly_duplicated: bool = False
    callback_url: str | None = None

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id", "channel", "recipient", "body", "idempotency_key", "attempts", "created_at",
        "subject", "html", "attachments", "possibly_duplicated", "callback_url")

    @classmethod
    def columns(cls) -> list[Any]:
        """The columns an ``UPDATE ... RETURNING`` must give back to build one."""
        return [getattr(Notification, name) for name in cls.COLUMNS]

    @classmethod
    def of(cls, row: Any) -> Claimed:
        """Build from a row holding :meth:`columns`."""
        values = dict(zip(cls.COLUMNS, row, strict=True))
        values["attachments"] = list(values["attachments"] or [])
        return cls(**values)
