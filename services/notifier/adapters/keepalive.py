"""Keep-alive HTTP/1.1 connections to a provider's API, on the standard library.

The dispatcher's threads send every SMS through here. ``http.client`` costs
about a fifth of the CPU of ``requests`` per request (``make bench``: the
Twilio adapter's send went from about 1 ms to 0.2 ms), and the sending is
most of the worker's work.

- Connections are kept per origin (scheme, host, port) and reused, most
  recently used first; one is used by one thread at a time. At most
  ``pool_size`` idle ones are kept; one idle for ``idle_seconds`` or closed by
  the server meanwhile is dropped before reuse, not written to.
- Separate connect and read timeouts; no retries and no redirects: retrying
  is the dispatcher's decision.
- What the environment sets is honoured, read once per origin: ``HTTPS_PROXY``
  / ``HTTP_PROXY`` / ``NO_PROXY`` (``http://`` proxies, with credentials;
  HTTPS through ``CONNECT``), and the CA bundle of ``REQUESTS_CA_BUNDLE`` or
  ``CURL_CA_BUNDLE``, else the one ``requests`` ships (certifi).

A request that gets no HTTP answer raises :class:`TransportError`, which
says whether it may have reached the server: a failure to connect (refused,
DNS, connect timeout, TLS, proxy) or to write the request out means the
server never had a complete request (``sent`` False); a failure once the
request was written (read timeout, connection dropped before the answer)
means it may have been processed (``sent`` True).
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import socket
import ssl
import threading
import time
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from requests.utils import DEFAULT_CA_BUNDLE_PATH

Origin = tuple[str, str, int]
#: ``NO_PROXY`` matching as ``urllib`` does it (not in typeshed, public since 3.7).
_proxy_bypass: Callable[[str, Mapping[str, str]], bool] = (
    urllib.request.proxy_bypass_environment)  # type: ignore[attr-defined]


class TransportError(Exception):
    """No HTTP answer came back.

    :param sent: the request was written out: the server may have processed it.
    :param timeout: the failure was a timeout (connect or read).
    """

    def __init__(self, message: str, *, sent: bool, timeout: bool = False) -> None:
        super().__init__(message)
        self.sent, self.timeout = sent, timeout


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, read in full."""

    status: int
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Route:
    """How to reach an origin: directly, or through an ``http://`` proxy."""

    proxy: tuple[str, int] | None = None
    proxy_authorization: str | None = None


@dataclass
class _Idle:
    connection: http.client.HTTPConnection
    since: float


def ca_bundle(environ: Mapping[str, str] | None = None) -> str:
    """The CA file for TLS: the environment's, as ``requests`` reads it, else certifi's."""
    env = os.environ if environ is None else environ
    return env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or DEFAULT_CA_BUNDLE_PATH


def environment_proxies(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``*_proxy`` variables as :func:`urllib.request.getproxies_environment` reads them.

    Lower-case names win over upper-case ones; ``HTTP_PROXY`` is ignored in a
    CGI request (``REQUEST_METHOD`` set), where a client controls it.
    """
    env = os.environ if environ is None else environ
    proxies: dict[str, str] = {}
    for lower_only in (False, True):
        for name, value in env.items():
            if name[-6:].lower() == "_proxy" and (not lower_only or name.islower()):
                if value:
                    proxies[name[:-6].lower()] = value
                else:
                    proxies.pop(name[:-6].lower(), None)
    if "REQUEST_METHOD" in env:
        proxies.pop("http", None)
    return proxies


def route_for(scheme: str, host: str, environ: Mapping[str, str] | None = None) -> Route:
    """The proxy the environment sets for ``scheme://host``, unless ``NO_PROXY`` exempts it.

    :raises ValueError: for a proxy that is not ``http://``.
    """
    proxies = environment_proxies(environ)
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy or _proxy_bypass(host, proxies):
        return Route()
    if "://" not in proxy:
        proxy = "http://" + proxy
    parts = urlsplit(proxy)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"proxy non pris en charge (http:// seulement) : {parts.scheme}://"
                         f"{parts.hostname or ''}")
    authorization = None
    if parts.username is not None:
        authorization = basic_authorization(unquote(parts.username), unquote(parts.password or ""))
    return Route(proxy=(parts.hostname, parts.port or 80), proxy_authorization=authorization)


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` header value of HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class KeepAlivePool:
    """Pooled keep-alive connections; safe to share between threads.

    :param connect_timeout: seconds to open a connection (TLS included).
    :param read_timeout: seconds to wait for each read of the answer.
    :param pool_size: idle connections kept per origin (size it to the
        number of threads sending at once).
    :param idle_seconds: an idle connection older than this is not reused
        (servers and load balancers drop idle ones after a minute or so).
    """

    def __init__(self, *, connect_timeout: float = 5.0, read_timeout: float = 10.0,
                 pool_size: int = 32, idle_seconds: float = 30.0) -> None:
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("les délais doivent être positifs")
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.pool_size, self.idle_seconds = pool_size, idle_seconds
        self._idle: dict[Origin, deque[_Idle]] = {}
        self._routes: dict[Origin, Route] = {}
        self._tls: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self.opened = 0  # connections opened so far (tests, diagnostics)

    # -- requests -----------------------------------------------------------

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None,
                read_timeout: float | None = None) -> Answer:
        """Send one request and read the whole answer.

        :raises TransportError: when no answer came back (see the module docstring).
        :raises ValueError: for a URL that is not absolute http(s).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"URL invalide : {parts.scheme}://{parts.hostname or ''}")
        origin = (parts.scheme, parts.hostname, parts.port or (443 if parts.scheme == "https"
                                                              else 80))
        route = self._route(origin)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = dict(headers or {})
        if route.proxy and parts.scheme == "http":  # a plain proxy takes the absolute URL
            target = f"http://{parts.netloc.rpartition('@')[2]}{target}"
            if route.proxy_authorization:
                all_headers["Proxy-Authorization"] = route.proxy_authorization
        connection, reused = self._checkout(origin, route)
        while True:
            try:
                connection.sock.settimeout(read_timeout or self.read_timeout)
                # One write: http.client sends the headers and a bytes body together.
                connection.request(method, target, body=body, headers=all_headers)
                break
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                # The request did not leave whole: the server cannot have processed
                # it. A kept connection the server dropped meanwhile is worth one
                # more try on a new one; a new one failing is the answer.
                if not reused:
                    raise TransportError(f"envoi impossible : {type(exc).__name__}",
                                         sent=False) from exc
                connection, reused = self._open(origin, route), False
        try:
            response = connection.getresponse()
            data = response.read()
        except TimeoutError as exc:
            connection.close()
            raise TransportError("pas de réponse dans le délai", sent=True, timeout=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise TransportError(f"connexion coupée avant la réponse : {type(exc).__name__}",
                                 sent=True) from exc
        answer = Answer(response.status, data, dict(response.getheaders()))
        if response.will_close:
            connection.close()
        else:
            self._checkin(origin, connection)
        return answer

    def close(self) -> None:
        """Close every idle connection (those in use are closed when they come back)."""
        with self._lock:
            idle, self._idle = self._idle, {}
        for queue in idle.values():
            for item in queue:
                item.connection.close()

    # -- connections ----------------------------------------------------------

    def _route(self, origin: Origin) -> Route:
        route = self._routes.get(origin)
        if route is None:
            route = self._routes[origin] = route_for(origin[0], origin[1])
        return route

    def _checkout(self, origin: Origin, route: Route
                  ) -> tuple[http.client.HTTPConnection, bool]:
        """A kept connection that still looks alive (and True), else a new one (and False)."""
        now = time.monotonic()
        while True:
            with self._lock:
                queue = self._idle.get(origin)
                item = queue.pop() if queue else None
            if item is None:
                return self._open(origin, route), False
            if now - item.since < self.idle_seconds and _reusable(item.connection):
                return item.connection, True
            item.connection.close()

    def _checkin(self, origin: Origin, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            queue = self._idle.setdefault(origin, deque())
            if len(queue) < self.pool_size:
                queue.append(_Idle(connection, time.monotonic()))
                return
        connection.close()

    def _open(self, origin: Origin, route: Route) -> http.client.HTTPConnection:
        scheme, host, port = origin
        address = route.proxy or (host, port)
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                address[0], address[1], timeout=self.connect_timeout, context=self._context())
            if route.proxy:
                tunnel = ({"Proxy-Authorization": route.proxy_authorization}
                          if route.proxy_authorization else None)
                connection.set_tunnel(host, port, headers=tunnel)
        else:
            connection = http.client.HTTPConnection(address[0], address[1],
                                                    timeout=self.connect_timeout)
        try:
            connection.connect()  # TCP, then the proxy's tunnel and TLS: connect timeout
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise TransportError(f"connexion impossible : {type(exc).__name__}", sent=False,
                                 timeout=isinstance(exc, TimeoutError)) from exc
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self.opened += 1
        return connection

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context(cafile=ca_bundle())
        return self._tls


def _reusable(connection: http.client.HTTPConnection) -> bool:
    """An idle connection is readable only when the server closed it (or broke protocol)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
