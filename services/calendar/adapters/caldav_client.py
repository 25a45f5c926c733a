"""The real :class:`CalendarPush`: a CalDAV calendar, through the ``caldav`` package.

Each event lives at a URL made from its UID (``<calendar>/<uid>.ics``): the same
event always goes to the same resource, which Radicale requires (it answers
409 to the same UID at another URL), and a replay overwrites instead of
duplicating. PUTs are unconditional (Radicale refuses ``If-Match: *``) and sent
with ``increase_seqno=False``: Relais owns SEQUENCE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from services.calendar.adapters.calendar_push import (
    CalendarPush,
    CalendarUnavailable,
    RemoteBusy,
    busy_in,
)


def resource_url(calendar_url: str, uid: str) -> str:
    """The deterministic URL of event ``uid`` in the calendar at ``calendar_url``."""
    return calendar_url.rstrip("/") + "/" + quote(uid, safe="@._-") + ".ics"


def _short(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:400]


class CaldavCalendar(CalendarPush):
    """A calendar collection on a CalDAV server.

    :param url: the calendar collection's URL (not the server's root).
    :param timeout: seconds for each HTTP request.
    """

    def __init__(self, url: str, username: str, password: str, timeout: int = 10) -> None:
        self.url = url if url.endswith("/") else url + "/"
        self._username, self._password, self._timeout = username, password, timeout

    def _calendar(self) -> Any:
        from caldav.davclient import DAVClient

        client = DAVClient(url=self.url, username=self._username,
                                  password=self._password, timeout=self._timeout,
                                  enable_rfc6764=False)
        return client, client.calendar(url=self.url)  # type: ignore[no-untyped-call]

    def _event(self, uid: str, data: str | None = None) -> Any:
        from caldav.calendarobjectresource import Event

        client, calendar = self._calendar()
        return Event(client=client, url=resource_url(self.url, uid), data=data,
                            parent=calendar)

    def put(self, event_ics: str, uid: str) -> None:
        try:
            self._event(uid, event_ics).save(increase_seqno=False)
        except Exception as exc:  # network, HTTP and protocol errors alike
            raise CalendarUnavailable(_short(exc)) from exc

    def delete(self, uid: str) -> None:
        try:
            self._event(uid).delete()
        except Exception as exc:
            from caldav.lib.error import NotFoundError

            if isinstance(exc, NotFoundError):
                return
            raise CalendarUnavailable(_short(exc)) from exc

    def busy(self, start: datetime, end: datetime) -> list[RemoteBusy]:
        try:
            _client, calendar = self._calendar()
            found = calendar.search(start=start, end=end, event=True, expand=True)
            texts = [str(item.data) for item in found]
        except Exception as exc:
            raise CalendarUnavailable(_short(exc)) from exc
        return busy_in(texts, start, end)

    def get(self, uid: str) -> str | None:
        """The stored text of ``uid``, or None (for checks and contract tests)."""
        from caldav.lib.error import NotFoundError

        try:
            event = self._event(uid)
            event.load()
            return str(event.data)
        except NotFoundError:
            return None
        except Exception as exc:
            raise CalendarUnavailable(_short(exc)) from exc
