"""Wiring of the calendar's adapters, from an app's configuration.

The app and the worker get their secret box, CalDAV connector, link signer and
the notifier's client for invitation e-mails here; tests replace
``app.extensions["calendar_connect"]`` or ``["calendar_invites"]`` with fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from services.calendar.adapters.caldav_client import CaldavCalendar
from services.calendar.adapters.calendar_push import CalendarPush
from services.calendar.adapters.notifier import InviteSender, NotifierInvites
from services.calendar.adapters.orm import CaldavAccount
from services.calendar.adapters.secrets import SecretBox, derived_dev_key
from services.calendar.service_layer.feeds import FeedCache
from services.calendar.service_layer.push import Connect
from shared.config import ConfigError

INVITE_SALT = "relais-calendar-invite"


def encryption_key(config: Mapping[str, Any]) -> str:
    """The configured Fernet key, or outside production one derived from SECRET_KEY."""
    key = config.get("CALENDAR_ENCRYPTION_KEY")
    if key:
        return str(key)
    if config.get("RELAIS_ENV") == "production":
        raise ConfigError("CALENDAR_ENCRYPTION_KEY manquant")
    return derived_dev_key(str(config["SECRET_KEY"]))


def secret_box(config: Mapping[str, Any]) -> SecretBox:
    """:raises ConfigError: when the key is not a Fernet key."""
    try:
        return SecretBox(encryption_key(config))
    except ValueError as exc:
        raise ConfigError(
            "CALENDAR_ENCRYPTION_KEY doit être une clé Fernet "
            "(python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')") from exc


def caldav_connector(box: SecretBox, timeout: int) -> Connect:
    """Open a planner's CalDAV calendar with their decrypted password."""

    def connect(account: CaldavAccount) -> CalendarPush:
        return CaldavCalendar(account.url, account.username,
                              box.open(account.password_encrypted), timeout)

    return connect


def invite_signer(config: Mapping[str, Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(config["SECRET_KEY"]), salt=INVITE_SALT)


def invite_sender(config: Mapping[str, Any]) -> InviteSender:
    """The notifier at ``NOTIFIER_URL``, reached with the service token."""
    return NotifierInvites(str(config.get("NOTIFIER_URL") or "http://127.0.0.1:8002"),
                           str(config.get("SERVICE_TOKEN") or ""),
                           float(config.get("NOTIFIER_TIMEOUT") or 10))


def wire(app: Flask) -> None:
    """Put the adapters in ``app.extensions``."""
    box = secret_box(app.config)
    app.extensions["calendar_box"] = box
    app.extensions["calendar_connect"] = caldav_connector(box, int(app.config["CALDAV_TIMEOUT"]))
    app.extensions["calendar_signer"] = invite_signer(app.config)
    app.extensions["calendar_feed_cache"] = FeedCache()
    app.extensions["calendar_invites"] = invite_sender(app.config)
