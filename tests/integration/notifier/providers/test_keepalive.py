"""The keep-alive transport under the Twilio adapter, against local servers.

Connections are reused, shared safely by threads, dropped when the server
closed them while idle; failures say whether the request may have been
processed; TLS checks the CA bundle the environment names; proxies come
from the environment.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from services.notifier.adapters.fake_twilio import FakeTwilio, Scripted
from services.notifier.adapters.keepalive import (
    KeepAlivePool,
    Route,
    TransportError,
    route_for,
)
from tests.integration.notifier.providers.conftest import ACCOUNT_SID, Certificate, free_port

FORM = b"To=%2B33612345678&From=%2B33700000001&Body=Bonjour"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded",
           "Authorization": "Basic QUM6dG9rZW4="}


def messages_url(base: str) -> str:
    return f"{base}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@pytest.fixture
def pool() -> Iterator[KeepAlivePool]:
    made = KeepAlivePool(connect_timeout=2, read_timeout=2, pool_size=8)
    yield made
    made.close()


def test_one_connection_serves_many_requests(fake_twilio: FakeTwilio,
                                             pool: KeepAlivePool) -> None:
    sids = {json.loads(pool.request("POST", messages_url(fake_twilio.url), FORM, HEADERS).body)
            ["sid"] for _ in range(20)}
    assert len(sids) == 20 and fake_twilio.accepted == 20
    assert pool.opened == 1


def test_threads_share_the_pool_without_mixing_answers(fake_twilio: FakeTwilio,
                                                       pool: KeepAlivePool) -> None:
    answers: list[str] = []
    lock = threading.Lock()

    def sender(n: int) -> None:
        for k in range(15):
            to = f"%2B336{n:02d}{k:06d}"
            body = FORM.replace(b"%2B33612345678", to.encode())
            got = json.loads(pool.request("POST", messages_url(fake_twilio.url), body,
                                          HEADERS).body)
            assert got["to"] == to.replace("%2B", "+")  # each thread reads its own answer
            with lock:
                answers.append(got["sid"])

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 8 * 15
    assert pool.opened <= 8


class _ClosesAfterEachAnswer(BaseHTTPRequestHandler):
    """Answers keep-alive, then closes the connection anyway (a server's idle timeout)."""

    protocol_version = "HTTP/1.1"
    served = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        payload = b'{"sid": "SM' + b"0" * 32 + b'"}'
        self.send_response(201)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)  # FIN sent before ``served`` counts it
        self.close_connection = True
        type(self).served += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_connection_closed_by_the_server_while_idle_is_not_reused(
        pool: KeepAlivePool) -> None:
    for base in serve(_ClosesAfterEachAnswer):
        for n in range(1, 4):
            answer = pool.request("POST", messages_url(base), FORM, HEADERS)
            assert answer.status == 201
            deadline = time.monotonic() + 5
            while _ClosesAfterEachAnswer.served < n and time.monotonic() < deadline:
                time.sleep(0.005)  # the server has closed before the next request
    assert _ClosesAfterEachAnswer.served == 3
    assert pool.opened == 3  # each closed one was dropped, not written to


def test_nobody_listening_means_not_sent(pool: KeepAlivePool) -> None:
    with pytest.raises(TransportError) as caught:
        pool.request("POST", messages_url(f"http://127.0.0.1:{free_port()}"), FORM, HEADERS)
    assert not caught.value.sent


@pytest.mark.parametrize(("answer", "timeout"), [(Scripted(delay=1.0), True),
                                                 (Scripted(drop=True), False)],
                         ids=["slow", "dropped"])
def test_no_answer_after_sending_means_maybe_sent(fake_twilio: FakeTwilio, answer: Scripted,
                                                  timeout: bool) -> None:
    pool = KeepAlivePool(connect_timeout=1, read_timeout=0.3)
    fake_twilio.script(answer)
    with pytest.raises(TransportError) as caught:
        pool.request("POST", messages_url(fake_twilio.url), FORM, HEADERS)
    assert caught.value.sent and caught.value.timeout is timeout
    ok = pool.request("POST", messages_url(fake_twilio.url), FORM, HEADERS)
    assert ok.status == 201  # the broken connection was not put back
    pool.close()


def test_tls_trusts_the_ca_bundle_of_the_environment(
        self_signed: Certificate, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeTwilio()
    fake._server.socket = self_signed.server_context().wrap_socket(
        fake._server.socket, server_side=True)
    base = fake.url.replace("http://", "https://")
    with fake:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        untrusting = KeepAlivePool(connect_timeout=2, read_timeout=2)
        with pytest.raises(TransportError) as caught:  # certifi does not know this CA
            untrusting.request("POST", messages_url(base), FORM, HEADERS)
        assert not caught.value.sent
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self_signed.cert))
        trusting = KeepAlivePool(connect_timeout=2, read_timeout=2)
        for _ in range(3):
            assert trusting.request("POST", messages_url(base), FORM, HEADERS).status == 201
        assert trusting.opened == 1 and fake.accepted == 3
        trusting.close()


def test_proxies_come_from_the_environment() -> None:
    environ = {"HTTPS_PROXY": "http://user:p%40ss@proxy.internal:3128",
               "NO_PROXY": "localhost,.internal"}
    route = route_for("https", "api.twilio.com", environ)
    assert route.proxy == ("proxy.internal", 3128)
    assert route.proxy_authorization == "Basic dXNlcjpwQHNz"  # user:p@ss
    assert route_for("https", "db.internal", environ) == Route()
    assert route_for("http", "api.twilio.com", environ) == Route()  # no HTTP_PROXY
    assert route_for("https", "api.twilio.com", {"https_proxy": "proxy:8080",
                                                 "HTTPS_PROXY": "other:1"}).proxy == (
        "proxy", 8080)  # lower case wins, as in urllib and requests
    with pytest.raises(ValueError, match="http://"):
        route_for("https", "api.twilio.com", {"HTTPS_PROXY": "socks5://proxy:1080"})


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy that answers itself and remembers what it was asked."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers.get("Proxy-Authorization")))
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_plain_http_goes_through_the_proxy_with_the_absolute_url(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for base in serve(_Proxy):
        monkeypatch.setenv("HTTP_PROXY", base.replace("http://", "http://relais:secret@"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("http_proxy", raising=False)
        pool = KeepAlivePool()
        assert pool.request("POST", "http://twilio.invalid/x?y=1", FORM, HEADERS).status == 201
        pool.close()
    assert _Proxy.seen == [("http://twilio.invalid/x?y=1", "Basic cmVsYWlzOnNlY3JldA==")]


def test_only_absolute_http_urls() -> None:
    with pytest.raises(ValueError):
        KeepAlivePool().request("GET", "ftp://example.fr/")
