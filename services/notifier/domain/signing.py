"""HMAC-SHA256 signatures of the callbacks the notifier posts.

Header ``X-Relais-Signature: t=<unix seconds>,v1=<hex>`` where ``hex`` is
HMAC-SHA256(key, ``"<t>." + body``). The timestamp lets the receiver refuse
replays (say, older than five minutes); comparing takes constant time.
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Relais-Signature"


def sign(key: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(key: str, body: bytes, header: str, now: int, tolerance: int = 300) -> bool:
    """True when ``header`` signs ``body`` with ``key`` and is recent enough."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(key, body, timestamp), header.strip())
