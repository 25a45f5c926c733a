"""The HTTP client one service uses to call another.

Timeouts on every call, retries with backoff on connection errors and on
429/502/503/504 (only for idempotent methods, or for POSTs that carry an
idempotency key), and the bearer token of the service-to-service auth.
"""

from __future__ import annotations

from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 502, 503, 504)


class ServiceError(RuntimeError):
    """A call to another service failed after its retries."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status, self.body = status, body


class ServiceClient:
    """Calls one peer service.

    :param base_url: the peer's root, e.g. ``http://127.0.0.1:8002``.
    :param token: the shared service token.
    :param timeout: (connect, read) seconds.
    :param retries: attempts after the first, with exponential backoff.
    """

    def __init__(
        self, base_url: str, token: str, timeout: tuple[float, float] = (3.0, 10.0),
        retries: int = 3, backoff: float = 0.5, session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["User-Agent"] = "relais-service-client"
        retry = Retry(
            total=retries, connect=retries, read=0, status=retries,
            backoff_factor=backoff, backoff_jitter=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "PUT", "DELETE", "HEAD", "POST"}),
            respect_retry_after_header=True, raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one request and return its decoded JSON (None when empty).

        POSTs are retried only with an ``Idempotency-Key`` header or an
        ``idempotency_key`` in their JSON body: a retried POST must be harmless.

        :raises ServiceError: on a connection failure or a 4xx/5xx answer.
        """
        kwargs.setdefault("timeout", self.timeout)
        body = kwargs.get("json")
        if method.upper() == "POST" and not (
            "Idempotency-Key" in kwargs.get("headers", {})
            or (isinstance(body, dict) and body.get("idempotency_key"))
        ):
            return self._once(method, path, **kwargs)
        return self._send(method, path, **kwargs)

    def _once(self, method: str, path: str, **kwargs: Any) -> Any:
        # A plain session: no retry adapter, so a POST is sent at most once.
        with requests.Session() as plain:
            plain.headers.update(self.session.headers)
            return self._decode(self._call(plain, method, path, **kwargs))

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._decode(self._call(self.session, method, path, **kwargs))

    def _call(
        self, session: requests.Session, method: str, path: str, **kwargs: Any
    ) -> requests.Response:
        url = f"{self.base_url}/{path.lstrip('/')}"
        try:
            return session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise ServiceError(f"{method} {url}: {exc.__class__.__name__}") from exc

    @staticmethod
    def _decode(response: requests.Response) -> Any:
        try:
            payload = response.json() if response.content else None
        except ValueError:
            payload = response.text
        if response.status_code >= 400:
            raise ServiceError(
                f"{response.request.method} {response.url} -> {response.status_code}",
                response.status_code, payload,
            )
        return payload

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)
