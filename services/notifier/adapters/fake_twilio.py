"""A small Twilio-compatible HTTP server, for tests and the benchmark sink.

It answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` like Twilio does
(201 and a Message resource with a fresh ``SM...`` sid), and can be scripted
to answer what a mock built from the spec never does: 429 with
``Retry-After``, 5xx, Twilio error codes (21211, 21610, 30006...), slow
answers (read timeouts) and connections dropped before any answer.

Standard library only; runs in a thread::

    with FakeTwilio() as fake:
        fake.script(Scripted.error(400, 21610))
        gateway = TwilioSmsGateway(..., api_base_url=fake.url)
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs

_MESSAGES = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC[0-9a-fA-F]{32})/Messages\.json$")
_ERROR_MESSAGES = {
    20429: "Too Many Requests",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
}


@dataclass(frozen=True)
class Scripted:
    """One scripted answer.

    :param delay: seconds to wait before answering (read timeouts).
    :param drop: close the connection without answering.
    """

    status: int = 201
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def error(cls, status: int, code: int | None = None, **kwargs: Any) -> Scripted:
        """Twilio's error body: ``{"code", "message", "more_info", "status"}``."""
        body = {"code": code, "message": _ERROR_MESSAGES.get(code or 0, "Error"),
                "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
        return cls(status=status, body=body, **kwargs)


@dataclass(frozen=True)
class ReceivedRequest:
    """What one request to the fake carried."""

    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]


class FakeTwilio:
    """The server. Unscripted requests succeed; scripted answers are used in order.

    :param port: 0 picks a free port.
    :param record: keep every request (turn off for long benchmarks).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, record: bool = True) -> None:
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self.record = record
        self.requests: list[ReceivedRequest] = []
        self.accepted = 0
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL to use in place of ``https://api.twilio.com``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *answers: Scripted) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._script.extend(answers)

    def start(self) -> FakeTwilio:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _next(self) -> Scripted | None:
        with self._lock:
            return self._script.popleft() if self._script else None

    def _answer(self, path: str, form: dict[str, str]) -> Scripted:
        match = _MESSAGES.match(path)
        if match is None:
            return Scripted.error(404, 20404)
        scripted = self._next()
        if scripted is not None:
            return scripted
        if not form.get("To") or not (form.get("Body") or form.get("MediaUrl")):
            return Scripted.error(400, 21604 if not form.get("To") else 21602)
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return Scripted.error(400, 21603)
        with self._lock:
            number = next(self._sids)
            self.accepted += 1
        sid = f"SM{number:032x}"
        body = {
            "sid": sid, "account_sid": match.group("account"), "status": "queued",
            "to": form["To"], "from": form.get("From"), "body": form.get("Body"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
            "error_code": None, "error_message": None,
        }
        return Scripted(status=201, body=body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the benchmark needs it
            # Headers and body leave in two writes: with Nagle on, the second
            # waits for the client's delayed ACK (~40 ms a request on Linux).
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                form = {key: values[-1] for key, values in parse_qs(raw).items()}
                if fake.record:
                    with fake._lock:
                        fake.requests.append(ReceivedRequest(
                            "POST", self.path, form, dict(self.headers.items())))
                answer = fake._answer(self.path.split("?")[0], form)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                payload = json.dumps(answer.body or {}).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in answer.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting (timeout tests)
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                """Silent: requests carry phone numbers."""

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the fake in the foreground: ``python -m services.notifier.adapters.fake_twilio``.

    A separate process keeps the sink off the sender's GIL (benchmark).
    """
    import argparse

    parser = argparse.ArgumentParser(description="Faux Twilio local (tests, banc d'essai).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4011)
    args = parser.parse_args(argv)
    fake = FakeTwilio(args.host, args.port, record=False)
    print(f"faux Twilio à l'écoute sur {fake.url}", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()
