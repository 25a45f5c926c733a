"""The notifier and the calendar as the scheduler's worker sees them.

:class:`Peers` is the narrow interface the relay and the sweeps use;
:class:`HttpPeers` is the real one (``shared.client.ServiceClient``, service
token), tests give another implementation over the peers' Flask test clients.
Every failure is a :class:`PeerError`; ``permanent`` says retrying cannot help.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from services.scheduler.domain.workflows.slots import Interval
from shared.client import ServiceClient, ServiceError

#: Answers that will not change on a retry: the request itself is refused.
PERMANENT_STATUSES = frozenset({400, 403, 409, 413, 415, 422})
#: The notifier's 409 when it already holds a different request under the key.
IDEMPOTENCY_CONFLICT = "idempotency_conflict"
#: The notifier's 422 for a message kind it has no template for: during an
#: upgrade, a scheduler newer than the notifier; the template comes with the
#: notifier's new version, so the relay keeps trying (with its backoff, up to
#: its last attempt) instead of dropping the message.
UNKNOWN_TEMPLATE = "unknown_template"


class PeerError(RuntimeError):
    """A call to the notifier or the calendar failed; ``code`` is the peer's error code."""

    def __init__(self, message: str, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code

    @property
    def already_queued(self) -> bool:
        """The notifier holds a message under this key already (an earlier attempt went in)."""
        return self.status == 409 and self.code == IDEMPOTENCY_CONFLICT

    @property
    def permanent(self) -> bool:
        if self.status == 422 and self.code == UNKNOWN_TEMPLATE:
            return False
        return self.status in PERMANENT_STATUSES


class Peers(Protocol):
    """What the scheduler asks of its peers."""

    def notify(self, payload: dict[str, Any]) -> None: ...

    def put_event(self, uid: str, body: dict[str, Any]) -> None: ...

    def cancel_event(self, uid: str) -> None: ...

    def invite_link(self, uid: str) -> str: ...

    def busy(self, planner_id: int, start: datetime, end: datetime) -> list[Interval]: ...

    def erase_notifications(self, request: dict[str, Any]) -> None: ...

    def erase_events(self, request: dict[str, Any]) -> None: ...


def parse_busy(answer: Any) -> list[Interval]:
    """The calendar's ``{"periods": [{"start", "end"}]}`` as intervals."""
    periods = answer.get("periods", []) if isinstance(answer, dict) else []
    return [Interval(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]))
            for p in periods]


class HttpPeers:
    """The peers over HTTP, with the service token; few retries (the relay has its own)."""

    def __init__(self, notifier_url: str, calendar_url: str, token: str,
                 timeout: tuple[float, float] = (2.0, 10.0)) -> None:
        self.notifier = ServiceClient(notifier_url, token, timeout=timeout, retries=1)
        self.calendar = ServiceClient(calendar_url, token, timeout=timeout, retries=1)

    @staticmethod
    def _call(client: ServiceClient, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return client.request(method, path, **kwargs)
        except ServiceError as exc:
            error = exc.body.get("error") if isinstance(exc.body, dict) else None
            code = error.get("code") if isinstance(error, dict) else None
            raise PeerError(str(exc), exc.status, str(code) if code else None) from exc

    def notify(self, payload: dict[str, Any]) -> None:
        self._call(self.notifier, "POST", "/api/v1/notifications", json=payload)

    def put_event(self, uid: str, body: dict[str, Any]) -> None:
        self._call(self.calendar, "PUT", f"/api/v1/events/{uid}", json=body)

    def cancel_event(self, uid: str) -> None:
        try:
            self._call(self.calendar, "DELETE", f"/api/v1/events/{uid}")
        except PeerError as exc:
            if exc.status != 404:  # never created: nothing to cancel
                raise

    def invite_link(self, uid: str) -> str:
        answer = self._call(self.calendar, "POST", f"/api/v1/events/{uid}/links",
                            headers={"Idempotency-Key": f"link-{uid}"})
        return str(answer["url"])

    def busy(self, planner_id: int, start: datetime, end: datetime) -> list[Interval]:
        answer = self._call(self.calendar, "GET", f"/api/v1/planners/{planner_id}/busy",
                            params={"from": start.isoformat(), "to": end.isoformat()})
        return parse_busy(answer)

    def erase_notifications(self, request: dict[str, Any]) -> None:
        """``{"key_prefixes": [...], "recipients": [...]}``: the notifier deletes its copies."""
        self._call(self.notifier, "POST", "/internal/v1/erasures", json=request)

    def erase_events(self, request: dict[str, Any]) -> None:
        """``{"uids": [...]}``: the calendar anonymises and cancels the events."""
        self._call(self.calendar, "POST", "/internal/v1/erasures", json=request)
