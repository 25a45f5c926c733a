"""A pooled PostgreSQL connection the server dropped is never handed out.

``shared.db.make_engine`` checks a connection at checkout without a round
trip when it was used moments ago (a server that ended the session leaves
its socket readable), and pings one idle for longer. Either way the caller
gets a fresh connection instead of an error. Runs against the machine's
PostgreSQL: the server really ends the session (``pg_terminate_backend``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from shared import db
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_available: bool) -> Iterator[Engine]:
    engine = db.make_engine(POSTGRES_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    admin = create_engine(POSTGRES_URL, poolclass=NullPool)
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                  {"pid": pid}).scalar_one()
    admin.dispose()
    time.sleep(0.2)  # the backend's last message and its end reach the socket


def test_the_engine_does_not_ping_on_every_checkout(engine: Engine) -> None:
    assert engine.pool._pre_ping is False  # the checkout listener replaces it


def test_a_recently_used_connection_the_server_ended_is_replaced(engine: Engine) -> None:
    first = _backend_pid(engine)
    _terminate(first)
    # Well within the idle window: no ping, the hang-up is seen on the socket.
    assert _backend_pid(engine) != first


def test_an_idle_connection_that_no_longer_answers_is_replaced_by_the_ping(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The socket check blinded: only the ping can find the dead connection."""
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)
    first = _backend_pid(engine)
    monkeypatch.setattr(db, "_hung_up", lambda _connection: False)
    _terminate(first)
    assert _backend_pid(engine) != first


def test_without_the_checks_the_dead_connection_would_have_been_handed_out(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the two tests above rely on: the terminated connection really is dead."""
    first = _backend_pid(engine)
    monkeypatch.setattr(db, "_hung_up", lambda _connection: False)
    _terminate(first)
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def test_a_live_connection_is_reused(engine: Engine) -> None:
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first
