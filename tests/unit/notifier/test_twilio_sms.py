"""How TwilioSmsGateway reads Twilio's answers, through a fake transport."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from twilio.http import HttpClient
from twilio.http.response import Response
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from services.notifier.adapters.gateways import DeliveryError
from services.notifier.adapters.twilio_sms import (
    TwilioSmsGateway,
    check_status_callback,
    classify_error,
    retry_after_seconds,
)

ACCOUNT = "AC" + "0" * 32
SID = "SM" + "a" * 32


class FakeHttpClient(HttpClient):  # type: ignore[misc]
    """Answers one scripted response (or raises) and records the request."""

    def __init__(self, answer: Response | BaseException) -> None:
        super().__init__(None, False, None)
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def request(self, method: str, uri: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: Any = None,
                allow_redirects: bool = False) -> Response:
        self.calls.append({"method": method, "uri": uri, "data": data, "auth": auth})
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def error_answer(status: int, code: int | None, headers: dict[str, str] | None = None
                 ) -> Response:
    body = {"code": code, "message": "The 'To' number +33612345678 is not valid",
            "status": status} if code else {"message": "oops"}
    return Response(status, json.dumps(body), headers or {})


def gateway(answer: Response | BaseException, **kwargs: Any) -> tuple[TwilioSmsGateway,
                                                                      FakeHttpClient]:
    fake = FakeHttpClient(answer)
    options: dict[str, Any] = {"from_number": "+33700000000", **kwargs}
    return TwilioSmsGateway(ACCOUNT, "token", http_client=fake, **options), fake


def send(g: TwilioSmsGateway) -> None:
    g.send(to="+33612345678", body="Bonjour", status_callback="https://relais.example/cb",
           idempotency_key="n-1")


def test_success_returns_the_message_sid_and_sends_the_right_form() -> None:
    answer = Response(201, json.dumps({"sid": SID, "status": "queued"}), {})
    g, fake = gateway(answer)
    result = g.send(to="+33612345678", body="Bonjour", status_callback="https://r.example/cb",
                    idempotency_key="n-1")
    assert result.provider_id == SID and result.status == "queued"
    call = fake.calls[0]
    assert call["method"] == "POST"
    assert call["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert call["data"] == {"To": "+33612345678", "Body": "Bonjour", "From": "+33700000000",
                            "StatusCallback": "https://r.example/cb"}
    assert call["auth"] == (ACCOUNT, "token")


def test_messaging_service_and_base_url_override() -> None:
    answer = Response(201, json.dumps({"sid": SID, "status": "accepted"}), {})
    g, fake = gateway(answer, from_number=None, messaging_service_sid="MG" + "1" * 32,
                      api_base_url="http://127.0.0.1:4010/")
    g.send(to="+33612345678", body="x", status_callback=None, idempotency_key="k")
    call = fake.calls[0]
    assert call["uri"].startswith("http://127.0.0.1:4010/2010-04-01/Accounts/")
    assert call["data"]["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in call["data"] and "StatusCallback" not in call["data"]


def test_a_sender_is_required() -> None:
    with pytest.raises(ValueError, match="TWILIO_FROM_NUMBER"):
        TwilioSmsGateway(ACCOUNT, "token")


# status, code, headers -> permanent, ambiguous, opted_out, code, retry_after
MAPPING = [
    (429, 20429, {"Retry-After": "30"}, False, False, False, "20429", 30.0),
    (429, None, {}, False, False, False, "429", None),
    (500, None, {}, False, False, False, "500", None),
    (503, 20503, {"retry-after": "5"}, False, False, False, "20503", 5.0),
    (400, 21211, {}, True, False, False, "21211", None),
    (400, 21610, {}, True, False, True, "21610", None),
    (400, 30005, {}, True, False, False, "30005", None),
    (400, 30006, {}, True, False, False, "30006", None),
    (400, 30007, {}, True, False, False, "30007", None),
    (400, 21614, {}, True, False, False, "21614", None),
    (400, 21999, {}, True, False, False, "21999", None),
    (404, 20404, {}, True, False, False, "20404", None),
    (401, 20003, {}, False, False, False, "20003", None),
]


@pytest.mark.parametrize(
    ("status", "code", "headers", "permanent", "ambiguous", "opted_out", "code_str", "retry"),
    MAPPING, ids=[f"{m[0]}-{m[1]}" for m in MAPPING])
def test_error_mapping(status: int, code: int | None, headers: dict[str, str],
                       permanent: bool, ambiguous: bool, opted_out: bool, code_str: str,
                       retry: float | None) -> None:
    g, _ = gateway(error_answer(status, code, headers))
    with pytest.raises(DeliveryError) as caught:
        send(g)
    error = caught.value
    assert (error.permanent, error.ambiguous, error.opted_out) == (permanent, ambiguous,
                                                                   opted_out)
    assert error.code == code_str
    assert error.retry_after == retry
    assert "+33612345678" not in str(error)  # numbers in Twilio's messages are masked


def connection_refused() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(MaxRetryError(None, "/", reason))  # type: ignore[arg-type]


TRANSPORT = [
    (requests.ConnectTimeout("connect"), False, False),
    (connection_refused(), False, False),
    (requests.exceptions.SSLError("bad cert"), False, False),
    (requests.ReadTimeout("read"), False, True),
    (requests.ConnectionError(ProtocolError("Connection aborted.")), False, True),
]


@pytest.mark.parametrize(("exc", "permanent", "ambiguous"), TRANSPORT,
                         ids=[type(t[0]).__name__ + str(t[2]) for t in TRANSPORT])
def test_transport_failures(exc: BaseException, permanent: bool, ambiguous: bool) -> None:
    g, _ = gateway(exc)
    with pytest.raises(DeliveryError) as caught:
        send(g)
    assert (caught.value.permanent, caught.value.ambiguous) == (permanent, ambiguous)


@pytest.mark.parametrize("answer", [
    Response(201, "<html>proxy</html>", {}), Response(201, json.dumps({"status": "queued"}), {}),
])
def test_unreadable_success_is_ambiguous(answer: Response) -> None:
    g, _ = gateway(answer)
    with pytest.raises(DeliveryError) as caught:
        send(g)
    assert caught.value.ambiguous and not caught.value.permanent


def test_retry_after_parsing() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_classify_error_keeps_retry_after_on_5xx() -> None:
    error = classify_error(502, None, "bad gateway", 3.0)
    assert not error.permanent and error.retry_after == 3.0


@pytest.mark.parametrize("url", ["https://relais_prod.example/cb", "/relative", "ftp://x/y"])
def test_status_callback_urls_twilio_would_refuse(url: str) -> None:
    with pytest.raises(ValueError):
        check_status_callback(url)
    check_status_callback("https://relais-prod.example/webhooks/twilio/status")
