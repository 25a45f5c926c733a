"""Database engines and sessions, the same way for SQLite and PostgreSQL.

Each service owns one database, reached through its ``DATABASE_URL``. The
embedded default is a SQLite file; production is PostgreSQL. Sessions are
short: one unit of work per request or per job, committed or rolled back.
"""

from __future__ import annotations

import select
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, Engine, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

#: Constraint and index names that are the same on SQLite and PostgreSQL, so
#: that one Alembic history serves both.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK constraint's text: ``column IN ('a', 'b')``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, stored in UTC, read back aware on every backend.

    SQLite keeps no offset: a naive value read back is UTC by construction. A
    naive value written is refused, so that local times never slip in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("horodatage sans fuseau horaire")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with the settings each backend needs.

    SQLite gets foreign keys, WAL, a busy timeout, and a transaction opened by
    a savepoint takes the write lock first (``BEGIN IMMEDIATE``), so that a web
    process and a worker can share the file; its folder is created on first use.
    """
    url = normalize_url(url)
    if is_sqlite(url):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "savepoint")
        def _sqlite_begin_immediate(connection: Any, _name: str) -> None:
            # The driver begins a transaction only before a write; a SAVEPOINT
            # sent first begins a deferred one instead, which reads, then fails
            # at once with "database is locked" when it comes to write after
            # another process wrote (the busy timeout cannot help it). Taking
            # the write lock first makes it wait its turn instead.
            if not connection.connection.dbapi_connection.in_transaction:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    if not kwargs.get("pool_pre_ping") and make_url(url).get_driver_name() != "psycopg":
        kwargs["pool_pre_ping"] = True  # the cheaper check below reads psycopg's socket
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        check_liveness_on_checkout(engine)
    return engine


#: A pooled connection idle for longer than this is pinged before use.
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "relais_idle_since"


def check_liveness_on_checkout(engine: Engine) -> None:
    """Never hand out a pooled PostgreSQL connection the server has dropped.

    Like a pre-ping, but without a round trip per checkout under load (the
    way HikariCP skips its check for a connection used moments ago): a
    connection idle for more than :data:`PING_AFTER_IDLE_S` is pinged; a recently
    used one is only looked at, without waiting: a server that restarted or
    ended the session has sent its last words or closed the socket, which is
    then readable while nothing was asked. Either way a dead connection is
    replaced by a fresh one (``DisconnectionError``), so that the first
    request after a restart of PostgreSQL does not fail.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None:  # just opened
            return
        if _hung_up(dbapi_connection):
            raise DisconnectionError("le serveur a fermé la connexion")
        if time.monotonic() - idle_since > PING_AFTER_IDLE_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError(f"la connexion ne répond plus : {exc}") from exc


def _hung_up(dbapi_connection: Any) -> bool:
    """True when an idle psycopg connection is closed or has unread input."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return True
    try:
        socket = dbapi_connection.pgconn.socket
    except Exception:  # no socket any more: closed underneath
        return True
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


class Database:
    """An engine and its session factory, owned by one Flask app or worker."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalize_url(url)
        self.engine = make_engine(self.url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit on success, roll back on any exception."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not ready"
            return False

    def dispose(self) -> None:
        self.engine.dispose()
