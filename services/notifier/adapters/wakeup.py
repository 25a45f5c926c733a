"""Waking the dispatcher as soon as a notification is queued.

PostgreSQL: the API's insert runs ``pg_notify('relais_notifier_queued', '')``
in the same statement, delivered when it commits; the worker ``LISTEN``s on a
connection of its own and, between two runs of the dispatcher, waits for a
notification or for the dispatch interval, whichever comes first. A message
queued while the dispatcher is idle goes out at once (after 50 ms gathering
the rest of its burst) instead of up to an interval later, and an idle worker
costs one query an interval.

SQLite has no notifications, and a broken listening connection is no worse
than polling: the wait is then the interval.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)

CHANNEL = "relais_notifier_queued"
#: A wake-up waits this long for the rest of a burst (50 ms: latency nobody sees).
GATHER_SECONDS = 0.05
#: A waiting worker notices that it must stop within this time.
STOP_CHECK_SECONDS = 0.5


class Wakeup(Protocol):
    """Where the dispatcher waits between runs."""

    def clear(self) -> None:
        """Forget the notifications received so far (the coming run will see their rows)."""

    def wait(self, timeout: float) -> None:
        """Return on a notification received since :meth:`clear`, or after ``timeout``."""

    def close(self) -> None: ...


class Interval:
    """Polling: wait the whole interval, or until ``stop`` is set."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def clear(self) -> None:
        pass

    def wait(self, timeout: float) -> None:
        self.stop.wait(timeout)

    def close(self) -> None:
        pass


class PostgresWakeup:
    """``LISTEN`` on its own autocommit connection, opened on first use.

    :param url: the database URL (SQLAlchemy or libpq form).
    :param stop: when set, a wait returns within its timeout.
    :param gather: seconds a wake-up waits for the rest of a burst, so that
        one claim takes many rows rather than one row each.
    """

    def __init__(self, url: str, stop: threading.Event, channel: str = CHANNEL,
                 gather: float = GATHER_SECONDS) -> None:
        self.conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.stop, self.channel, self.gather = stop, channel, gather
        self.connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._broken_logged = False

    def clear(self) -> None:
        connection = self._listening()
        if connection is None:
            return
        try:
            for _ in connection.notifies(timeout=0.0):
                pass
        except psycopg.Error:
            self._broken()

    def wait(self, timeout: float) -> None:
        connection = self._listening()
        if connection is None:
            self.stop.wait(timeout)
            return
        deadline = time.monotonic() + timeout
        try:
            # In slices, so that ``stop`` is seen within one (psycopg's wait
            # cannot be interrupted).
            while not self.stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                for _ in connection.notifies(timeout=min(left, STOP_CHECK_SECONDS),
                                             stop_after=1):
                    self.stop.wait(self.gather)
                    return
        except psycopg.Error:
            self._broken()
            self.stop.wait(max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()

    def _listening(self) -> psycopg.Connection[tuple[object, ...]] | None:
        if self.connection is not None and not self.connection.closed:
            return self.connection
        try:
            connection = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            connection.execute(f'LISTEN "{self.channel}"')
        except psycopg.Error as exc:
            if not self._broken_logged:
                log.warning("écoute PostgreSQL impossible (%s) : envois à l'intervalle",
                            type(exc).__name__)
                self._broken_logged = True
            return None
        self.connection, self._broken_logged = connection, False
        return connection

    def _broken(self) -> None:
        log.warning("connexion d'écoute PostgreSQL perdue : reconnexion au prochain tour")
        self.close()
