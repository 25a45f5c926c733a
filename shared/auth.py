"""Bearer-token auth between Relais's own services."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from shared.errors import ApiError

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def require_service_token(view: F) -> F:
    """Let a request through only with the configured service token.

    The comparison takes the same time whatever the token, so it leaks nothing.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = bearer_token()
        expected = current_app.config["SERVICE_TOKEN"] or ""
        if token is None or not hmac.compare_digest(token.encode(), expected.encode()):
            raise ApiError(401, "unauthorized", "jeton de service manquant ou invalide")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
