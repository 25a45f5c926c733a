"""Secrets at rest: CalDAV passwords encrypted with Fernet, feed tokens hashed.

The Fernet key is the setting ``CALENDAR_ENCRYPTION_KEY`` (32 url-safe base64
bytes, ``Fernet.generate_key()``). Outside production, when it is unset, a key
is derived from ``SECRET_KEY`` so that development needs no setup; production
refuses to start without its own key.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet, InvalidToken

_DERIVATION = b"relais-calendar-caldav-password|"


def derived_dev_key(secret_key: str) -> str:
    """A development Fernet key derived from the app's secret key."""
    digest = hashlib.sha256(_DERIVATION + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


class SecretBox:
    """Encrypts and decrypts short secrets with one Fernet key.

    :raises ValueError: when the key is not a Fernet key.
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        """The plain text of ``sealed``.

        :raises ValueError: when it was sealed with another key or altered.
        """
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret illisible avec la clé configurée") from exc


def new_token() -> str:
    """A fresh feed token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """The SHA-256 of a token (tokens are random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
