"""The service-to-service client against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from shared.client import ServiceClient, ServiceError


class Peer(BaseHTTPRequestHandler):
    """Answers from a script: each path has a list of statuses to give in turn."""

    script: ClassVar[dict[str, list[int]]] = {}
    seen: ClassVar[list[tuple[str, str, str | None]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        statuses = self.script.get(self.path, [200])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        body = json.dumps({"path": self.path, "status": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def peer() -> Iterator[str]:
    Peer.script, Peer.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sends_bearer_token_and_decodes_json(peer: str) -> None:
    client = ServiceClient(peer, "tok", backoff=0)
    assert client.get("/things") == {"path": "/things", "status": 200}
    assert Peer.seen == [("GET", "/things", "Bearer tok")]


def test_retries_idempotent_calls_on_503_then_succeeds(peer: str) -> None:
    Peer.script["/flaky"] = [503, 503, 200]
    assert ServiceClient(peer, "tok", backoff=0).put("/flaky", json={})["status"] == 200
    assert len(Peer.seen) == 3


def test_post_without_idempotency_key_is_sent_once(peer: str) -> None:
    Peer.script["/once"] = [503, 200]
    with pytest.raises(ServiceError) as info:
        ServiceClient(peer, "tok", backoff=0).post("/once", json={"a": 1})
    assert info.value.status == 503
    assert len(Peer.seen) == 1


def test_post_with_idempotency_key_is_retried(peer: str) -> None:
    Peer.script["/keyed"] = [503, 201]
    answer = ServiceClient(peer, "tok", backoff=0).post(
        "/keyed", json={"idempotency_key": "k1"})
    assert answer["status"] == 201
    assert len(Peer.seen) == 2


def test_client_errors_are_not_retried(peer: str) -> None:
    Peer.script["/bad"] = [422]
    with pytest.raises(ServiceError) as info:
        ServiceClient(peer, "tok", backoff=0).get("/bad")
    assert info.value.status == 422 and info.value.body == {"path": "/bad", "status": 422}
    assert len(Peer.seen) == 1


def test_unreachable_peer_raises_service_error() -> None:
    client = ServiceClient("http://127.0.0.1:9", "tok", retries=1, backoff=0,
                           timeout=(0.5, 0.5))
    with pytest.raises(ServiceError, match="ConnectionError"):
        client.get("/x")
