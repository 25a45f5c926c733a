"""SMS through Twilio's Messages API, with the ``twilio`` package.

What each failure means for the dispatcher (see :class:`DeliveryError`):

- HTTP 429 or Twilio code 20429, any 5xx, a connection that could not be
  opened (refused, DNS, connect timeout, TLS) or a request that could not be
  written out whole: *transient*, try again later, after ``Retry-After`` when
  Twilio sends one.
- 21610 (recipient sent STOP): *permanent* and ``opted_out``.
- 21211, 21614, 30005, 30006, 30007 and every other 4xx: *permanent*.
- 401/403 (wrong account SID or token): *transient*. The fault is our
  configuration, not the message: once the secret is fixed the message must
  still go out, within the dispatcher's bounded attempts.
- The request went out but no answer came back (read timeout, connection
  dropped mid-answer): *ambiguous*. Twilio may have created the message and
  its Messages API has no idempotency key, so a blind resend may deliver the
  SMS twice: the dispatcher must not resend it without a decision.

Tests and the benchmark point the client elsewhere through ``api_base_url``
(the ``TWILIO_API_BASE_URL`` setting, empty in production): the only place
where the Twilio host is rewritten.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError

from services.notifier.adapters.gateways import DeliveryError, SendResult, SmsGateway
from services.notifier.adapters.keepalive import (
    KeepAlivePool,
    TransportError,
    basic_authorization,
)
from shared.logging import mask

log = logging.getLogger(__name__)

TWILIO_API_HOST = "https://api.twilio.com"
OPTED_OUT = 21610
TOO_MANY_REQUESTS = 20429
#: Codes that no retry can fix, with a French reason for the notification's history.
PERMANENT_CODES: dict[int, str] = {
    21211: "numéro de destinataire invalide",
    21408: "pays du destinataire non autorisé sur le compte",
    21610: "le destinataire a répondu STOP : SMS refusés",
    21612: "destinataire injoignable depuis ce numéro d'envoi",
    21614: "le numéro n'est pas un mobile",
    30005: "numéro inconnu ou inexistant",
    30006: "ligne fixe ou opérateur injoignable",
    30007: "message filtré par l'opérateur",
}


def check_status_callback(url: str) -> None:
    """Refuse a status callback URL that Twilio would reject.

    Twilio wants an absolute http(s) URL whose host has no underscore.

    :raises ValueError: naming the problem.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"URL de rappel Twilio invalide : {url!r}")
    if "_" in parts.hostname:
        raise ValueError(f"l'hôte de l'URL de rappel Twilio contient « _ » : {parts.hostname}")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_error(
    status: int, code: int | None, message: str, retry_after: float | None = None
) -> DeliveryError:
    """Turn one Twilio error answer into a :class:`DeliveryError`.

    :param status: the HTTP status.
    :param code: Twilio's error code (``21610``), when the body had one.
    :param message: Twilio's message; phone numbers in it are masked.
    """
    text = mask(message or "")
    label = f"Twilio HTTP {status}" + (f" (code {code})" if code else "")
    code_str = str(code) if code is not None else str(status)
    if status == 429 or code == TOO_MANY_REQUESTS:
        return DeliveryError(f"{label} : trop de requêtes, nouvel essai plus tard", code=code_str,
                             retry_after=retry_after)
    if status >= 500:
        return DeliveryError(f"{label} : erreur du fournisseur : {text}", code=code_str,
                             retry_after=retry_after)
    if code is not None and code in PERMANENT_CODES:
        return DeliveryError(f"{label} : {PERMANENT_CODES[code]}", permanent=True,
                             code=code_str, opted_out=code == OPTED_OUT)
    if status in (401, 403):
        log.error("Twilio refuse nos identifiants (HTTP %s) : vérifier TWILIO_ACCOUNT_SID et "
                  "TWILIO_AUTH_TOKEN", status)
        return DeliveryError(f"{label} : identifiants Twilio refusés", code=code_str,
                             retry_after=retry_after)
    return DeliveryError(f"{label} : {text}", permanent=True, code=code_str)


AMBIGUOUS_TIMEOUT = ("Twilio n'a pas répondu à temps : le SMS a peut-être été accepté, pas de "
                     "renvoi automatique")
AMBIGUOUS_DROP = "connexion à Twilio coupée avant la réponse : le SMS a peut-être été accepté"


def transport_failure(exc: TransportError) -> DeliveryError:
    """Classify a failure of our own transport: did the request leave?"""
    if not exc.sent:
        return DeliveryError(f"Twilio injoignable : {exc}")
    if exc.timeout:
        return DeliveryError(AMBIGUOUS_TIMEOUT, ambiguous=True, code="timeout")
    return DeliveryError(AMBIGUOUS_DROP, ambiguous=True, code="connection_lost")


def transport_error(exc: requests.RequestException) -> DeliveryError:
    """Classify a failure of a ``requests`` transport: was the request sent or not?"""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return DeliveryError(f"Twilio injoignable : {type(exc).__name__}")
    if isinstance(exc, requests.ReadTimeout):
        return DeliveryError(AMBIGUOUS_TIMEOUT, ambiguous=True, code="timeout")
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        if isinstance(reason, NewConnectionError | NameResolutionError | ConnectionRefusedError):
            return DeliveryError(f"Twilio injoignable : {type(reason).__name__}")
        # Dropped once the request was on the wire: it may have been processed.
        return DeliveryError(AMBIGUOUS_DROP, ambiguous=True, code="connection_lost")
    return DeliveryError(f"erreur de transport vers Twilio : {type(exc).__name__}")


class PooledHttpClient(HttpClient):  # type: ignore[misc]  # twilio ships no types
    """The Twilio client's transport: keep-alive connections shared by the senders.

    :class:`~services.notifier.adapters.keepalive.KeepAlivePool` does the HTTP:
    separate connect and read timeouts (twilio's own client takes a single
    number), no retries of its own (retrying is the dispatcher's decision,
    made with the classification above), proxies and CA bundle from the
    environment. Forms and query strings are encoded as ``requests`` encodes
    them (lists as repeated keys).
    """

    def __init__(
        self, *, connect_timeout: float = 5.0, read_timeout: float = 10.0, pool_size: int = 32
    ) -> None:
        super().__init__(logging.getLogger("twilio.http_client"), False, None)
        self.pool = KeepAlivePool(connect_timeout=connect_timeout, read_timeout=read_timeout,
                                  pool_size=pool_size)
        self.timeouts = (connect_timeout, read_timeout)

    def request(
        self, method: str, uri: str, params: dict[str, object] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Send one request; :class:`TransportError` when no answer came back."""
        sent_headers = dict(headers or {})
        if auth is not None:
            sent_headers["Authorization"] = basic_authorization(*auth)
        if params:
            uri += ("&" if "?" in uri else "?") + urlencode(params, doseq=True)
        body = None
        if data is not None:
            if sent_headers.get("Content-Type", "").startswith("application/json"):
                body = json.dumps(data).encode()
            else:
                body = urlencode(data, doseq=True).encode()
                sent_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        answer = self.pool.request(method.upper(), uri, body, sent_headers, read_timeout=timeout)
        return Response(answer.status, answer.body.decode("utf-8", "replace"), answer.headers)

    def close(self) -> None:
        self.pool.close()


class _Routed(HttpClient):  # type: ignore[misc]
    """Wraps the transport: rewrites the API host and keeps each thread's last answer.

    Twilio's exceptions drop the response headers; the last answer, kept per
    thread, gives the dispatcher ``Retry-After``.
    """

    def __init__(self, inner: HttpClient, base_url: str | None) -> None:
        super().__init__(inner.logger, False, None)
        self.inner = inner
        self.base_url = base_url.rstrip("/") if base_url else None
        self._local = threading.local()

    def request(
        self, method: str, uri: str, params: dict[str, object] | None = None,
        data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None, timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url and uri.startswith(TWILIO_API_HOST):
            uri = self.base_url + uri[len(TWILIO_API_HOST):]
        self._local.response = None
        response = self.inner.request(method, uri, params, data, headers, auth, timeout,
                                      allow_redirects)
        self._local.response = response
        return response

    def last_header(self, name: str) -> str | None:
        response: Response | None = getattr(self._local, "response", None)
        if response is None or not response.headers:
            return None
        for key, value in response.headers.items():
            if key.lower() == name.lower():
                return str(value)
        return None


class TwilioSmsGateway(SmsGateway):
    """Sends SMS through Twilio.

    :param from_number: the E.164 sender; or
    :param messaging_service_sid: a Messaging Service (``MG...``), which wins.
    :param api_base_url: replaces ``https://api.twilio.com`` (tests, benchmark).
    :param timeout: read timeout in seconds; connecting gets at most 5 s.
    :param http_client: the transport (tests); a :class:`PooledHttpClient` by default.
    :param pool_size: connections kept open: the number of threads sending at once.
    :raises ValueError: without a sender.
    """

    def __init__(
        self, account_sid: str, auth_token: str, from_number: str | None = None,
        messaging_service_sid: str | None = None, api_base_url: str | None = None,
        timeout: float = 10.0, *, http_client: HttpClient | None = None, pool_size: int = 32,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("TWILIO_FROM_NUMBER ou TWILIO_MESSAGING_SERVICE_SID est requis")
        self.from_number, self.messaging_service_sid = from_number, messaging_service_sid
        transport = http_client or PooledHttpClient(
            connect_timeout=min(5.0, timeout), read_timeout=timeout, pool_size=pool_size)
        self._http = _Routed(transport, api_base_url or None)
        self._client = Client(account_sid, auth_token, http_client=self._http)

    def send(
        self, *, to: str, body: str, status_callback: str | None, idempotency_key: str
    ) -> SendResult:
        """Create one Message at Twilio.

        ``idempotency_key`` is not sent: the Messages API has none. Hence the
        ambiguous classification of timeouts (module docstring).

        :raises DeliveryError: classified as the module docstring says.
        """
        kwargs: dict[str, Any] = {"to": to, "body": body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self._client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise self._http_error(exc.status, exc.code, exc.msg) from exc
        except TwilioServiceException as exc:
            raise self._http_error(exc.status, exc.code, exc.detail or exc.title) from exc
        except TransportError as exc:
            raise transport_failure(exc) from exc
        except requests.RequestException as exc:  # a requests-based transport (tests)
            raise transport_error(exc) from exc
        except TwilioException as exc:
            raise DeliveryError(f"erreur du client Twilio : {mask(str(exc))}") from exc
        except ValueError as exc:  # an answer that is not JSON: it came from no Twilio
            raise DeliveryError(
                "réponse illisible de Twilio : le SMS a peut-être été accepté",
                ambiguous=True, code="bad_response") from exc
        if not message.sid:
            raise DeliveryError("Twilio a accepté sans donner d'identifiant", ambiguous=True,
                                code="bad_response")
        log.info("SMS remis à Twilio : %s (%s)", message.sid, message.status)
        return SendResult(provider_id=message.sid, status=str(message.status or "queued"))

    def close(self) -> None:
        """Close the pooled connections (tests, worker shutdown)."""
        close = getattr(self._http.inner, "close", None)
        if callable(close):
            close()

    def _http_error(self, status: int, code: int | None, message: str) -> DeliveryError:
        numeric = code if isinstance(code, int) and code != status else None
        retry_after = retry_after_seconds(self._http.last_header("Retry-After"))
        error = classify_error(status, numeric, message, retry_after)
        log.warning("Twilio a refusé un SMS : %s", error)
        return error
