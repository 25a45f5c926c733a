"""Cookie sessions belong to the pages; machine paths neither read nor write one."""

from __future__ import annotations

import pytest
from flask import Flask, jsonify, session

from shared.web import PageSessions


def _app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "clé de test"
    app.session_interface = PageSessions()

    @app.get("/planner/page")
    def page() -> str:
        session["seen"] = session.get("seen", 0) + 1
        return str(session["seen"])

    @app.get("/api/v1/thing")
    def api_read() -> object:
        return jsonify(seen=session.get("seen"))

    @app.post("/api/v1/thing")
    def api_write() -> object:
        session["seen"] = 99
        return jsonify(ok=True)

    return app


def test_pages_keep_their_session() -> None:
    client = _app().test_client()
    assert client.get("/planner/page").text == "1"
    assert client.get("/planner/page").text == "2"


def test_an_api_call_ignores_the_cookie_and_sets_none() -> None:
    app = _app()
    client = app.test_client()
    client.get("/planner/page")  # the browser has a session cookie
    answer = client.get("/api/v1/thing")
    assert answer.json == {"seen": None}
    assert "Set-Cookie" not in answer.headers


def test_writing_a_session_on_an_api_path_fails_loudly() -> None:
    app = _app()
    app.config["TESTING"] = True
    with pytest.raises(RuntimeError, match="session is unavailable"):
        app.test_client().post("/api/v1/thing")


@pytest.mark.parametrize("service", ["scheduler", "notifier", "calendar"])
def test_every_service_uses_the_page_sessions(service: str) -> None:
    from importlib import import_module

    from shared.web import database

    app = import_module(f"services.{service}.app").create_app(
        {"TESTING": True, "RELAIS_ENV": "test", "DATABASE_URL": "sqlite://"})
    try:
        assert isinstance(app.session_interface, PageSessions)
    finally:
        database(app).dispose()
