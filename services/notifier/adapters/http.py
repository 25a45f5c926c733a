"""Posting JSON to other systems (callbacks, the scheduler), one try per call.

Retries are the outbox's business, not this function's: it posts once and
says how it went.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import requests


class PostError(Exception):
    """The post did not reach a 2xx answer."""


class Poster(Protocol):
    def __call__(self, url: str, body: bytes, headers: Mapping[str, str],
                 timeout: float) -> None: ...


def post_json(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> None:
    """POST ``body`` (JSON) once.

    :raises PostError: on a connection failure, a timeout or a non-2xx answer.
    """
    try:
        response = requests.post(url, data=body, timeout=timeout, allow_redirects=False,
                                 headers={"Content-Type": "application/json",
                                          "User-Agent": "relais-notifier", **headers})
    except requests.RequestException as exc:
        raise PostError(exc.__class__.__name__) from exc
    if not 200 <= response.status_code < 300:
        raise PostError(f"HTTP {response.status_code}")
