"""Wiring: the one place where gateways, the dispatcher and the relay are built.

Provider classes are imported only when configured, so that the console
backend needs neither the ``twilio`` package nor an SMTP server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time, timedelta
from typing import Any

from services.notifier.adapters.console import ConsoleEmailGateway, ConsoleSmsGateway
from services.notifier.adapters.gateways import EmailGateway, SmsGateway
from services.notifier.domain.backoff import Backoff
from services.notifier.domain.quiet_hours import QuietHours
from services.notifier.service_layer.dispatch import Dispatcher, DispatchSettings
from services.notifier.service_layer.outbox import OutboxRelay, OutboxSettings
from shared.config import ConfigError
from shared.db import Database

Config = Mapping[str, Any]


def sms_backend(config: Config) -> str:
    """``twilio`` when an account is configured, else ``console``."""
    return "twilio" if config.get("TWILIO_ACCOUNT_SID") else CONSOLE


def email_backend(config: Config) -> str:
    """``smtp`` when a server is configured, else ``console``."""
    return "smtp" if config.get("SMTP_HOST") else CONSOLE


CONSOLE = "console"


def check_backends(config: Config) -> None:
    """Refuse to start in production with a channel left on the console backend.

    The console backend logs messages and sends none: in production that
    must be a decision (``RELAIS_NOTIFIER_BACKEND=console``, e.g. a staging
    stack), never the silent result of a missing provider setting.

    :raises ConfigError: naming the settings to add, or a malformed value.
    """
    chosen = config.get("NOTIFIER_BACKEND")
    if chosen not in (None, "", CONSOLE):
        raise ConfigError(f"RELAIS_NOTIFIER_BACKEND ne peut valoir que « console » "
                          f"(reçu {chosen!r})")
    if config.get("RELAIS_ENV") != "production" or chosen == CONSOLE:
        return
    missing = [f"{setting} ({channel})" for setting, channel, backend in (
        ("TWILIO_ACCOUNT_SID", "SMS", sms_backend(config)),
        ("SMTP_HOST", "e-mail", email_backend(config))) if backend == CONSOLE]
    if missing:
        raise ConfigError(
            "Production : le backend console journalise les messages sans les envoyer. "
            f"Configurer {' et '.join(missing)}, ou l'accepter explicitement avec "
            "RELAIS_NOTIFIER_BACKEND=console.")


def build_sms_gateway(config: Config, database: Database | None = None) -> SmsGateway:
    """The SMS gateway the configuration asks for.

    :param database: where the console backend keeps its messages.
    :raises ConfigError: on an incomplete Twilio configuration.
    """
    if sms_backend(config) == CONSOLE:
        return ConsoleSmsGateway(database)
    from services.notifier.adapters.twilio_sms import TwilioSmsGateway

    if not config.get("TWILIO_AUTH_TOKEN"):
        raise ConfigError("TWILIO_AUTH_TOKEN manquant")
    if not (config.get("TWILIO_FROM_NUMBER") or config.get("TWILIO_MESSAGING_SERVICE_SID")):
        raise ConfigError("TWILIO_FROM_NUMBER ou TWILIO_MESSAGING_SERVICE_SID manquant")
    gateway: SmsGateway = TwilioSmsGateway(
        config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
        from_number=config.get("TWILIO_FROM_NUMBER"),
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        api_base_url=config.get("TWILIO_API_BASE_URL"),
        timeout=float(config.get("PROVIDER_TIMEOUT", 10.0)),
        pool_size=max(1, int(config.get("DISPATCH_CONCURRENCY", 8))),
    )
    return gateway


def build_email_gateway(config: Config, database: Database | None = None) -> EmailGateway:
    """The e-mail gateway the configuration asks for.

    :raises ConfigError: on an unknown ``SMTP_SECURITY``.
    """
    if email_backend(config) == CONSOLE:
        return ConsoleEmailGateway(database)
    from services.notifier.adapters.smtp_email import SmtpEmailGateway

    security = str(config.get("SMTP_SECURITY") or "starttls").lower()
    if security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"SMTP_SECURITY doit valoir none, starttls ou ssl (reçu {security!r})")
    gateway: EmailGateway = SmtpEmailGateway(
        config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587),
        username=config.get("SMTP_USERNAME"), password=config.get("SMTP_PASSWORD"),
        security=security, timeout=float(config.get("PROVIDER_TIMEOUT", 10.0)),
    )
    return gateway


def _clock_time(value: str, name: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"{name} doit être une heure HH:MM (reçu {value!r})") from exc


def build_quiet_hours(config: Config) -> QuietHours:
    """The SMS window: configured hours, Sundays, French public holidays."""
    is_holiday = _french_holidays() if config.get("QUIET_HOLIDAYS", True) else None
    return QuietHours(
        start=_clock_time(str(config.get("QUIET_HOURS_START", "08:00")), "NOTIFIER_SMS_FROM"),
        end=_clock_time(str(config.get("QUIET_HOURS_END", "20:00")), "NOTIFIER_SMS_UNTIL"),
        sundays=bool(config.get("QUIET_SUNDAYS", True)),
        **({"is_holiday": is_holiday} if is_holiday else {}),
    )


def _french_holidays() -> Any:
    import holidays

    calendar = holidays.country_holidays("FR")

    def is_holiday(day: date) -> bool:
        return day in calendar

    return is_holiday


def status_callback_url(config: Config) -> str:
    """Where Twilio posts delivery updates."""
    configured = config.get("TWILIO_STATUS_CALLBACK_URL")
    if configured:
        return str(configured)
    return str(config.get("PUBLIC_BASE_URL", "")).rstrip("/") + "/webhooks/twilio/status"


def build_dispatcher(config: Config, database: Database, sms: SmsGateway | None = None,
                     email: EmailGateway | None = None) -> Dispatcher:
    """A dispatcher with the configured gateways (or the given ones, in tests)."""
    settings = DispatchSettings(
        batch=int(config.get("DISPATCH_BATCH", 32)),
        concurrency=int(config.get("DISPATCH_CONCURRENCY", 8)),
        lease=timedelta(seconds=float(config.get("LEASE_SECONDS", 120.0))),
        backoff=Backoff(base=float(config.get("BACKOFF_BASE", 2.0)),
                        cap=float(config.get("BACKOFF_CAP", 600.0)),
                        max_attempts=int(config.get("MAX_ATTEMPTS", 10))),
        quiet_hours=build_quiet_hours(config),
        status_callback_url=status_callback_url(config),
        email_from=str(config.get("SMTP_FROM") or "Relais <no-reply@relais.localhost>"),
        message_id_domain=str(config.get("EMAIL_MESSAGE_ID_DOMAIN") or "relais.invalid"),
    )
    return Dispatcher(database, sms or build_sms_gateway(config, database),
                      email or build_email_gateway(config, database), settings)


def build_outbox_relay(config: Config, database: Database) -> OutboxRelay:
    """The relay delivering callbacks and replies."""
    token = str(config.get("SERVICE_TOKEN") or "")
    settings = OutboxSettings(
        scheduler_url=str(config.get("SCHEDULER_URL") or "http://127.0.0.1:8001"),
        service_token=token,
        signing_key=str(config.get("CALLBACK_SIGNING_KEY") or token),
        backoff=Backoff(base=float(config.get("BACKOFF_BASE", 2.0)),
                        cap=float(config.get("BACKOFF_CAP", 600.0)),
                        max_attempts=int(config.get("OUTBOX_MAX_ATTEMPTS", 15))),
        timeout=float(config.get("OUTBOX_TIMEOUT", 5.0)),
    )
    return OutboxRelay(database, settings)
