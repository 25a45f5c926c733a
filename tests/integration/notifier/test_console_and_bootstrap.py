"""The console backend and its development inbox, and choosing gateways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from services.notifier.adapters.console import ConsoleEmailGateway, ConsoleSmsGateway
from services.notifier.bootstrap import (
    build_dispatcher,
    build_email_gateway,
    build_sms_gateway,
    check_backends,
    status_callback_url,
)
from services.notifier.domain.kinds import EXAMPLES
from shared.config import ConfigError
from shared.web import database
from tests.conftest import DatabaseFactory, make_app_fixture
from tests.integration.notifier.conftest import AUTH, Clock
from tests.integration.notifier.test_api import email, post, sms


@pytest.fixture
def dev_app(request: pytest.FixtureRequest, database_factory: DatabaseFactory,
            db_backend: str, clock: Clock) -> Iterator[Flask]:
    from services.notifier.adapters.orm import metadata
    from services.notifier.app import MIGRATIONS, create_app

    yield from make_app_fixture(request, database_factory, "notifier", create_app, MIGRATIONS,
                                metadata, db_backend, {"RELAIS_ENV": "development",
                                                       "CLOCK": clock})


def test_console_messages_appear_in_the_dev_outbox(dev_app: Flask, clock: Clock,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    client = dev_app.test_client()
    post(client, sms())
    post(client, email())
    dispatcher = build_dispatcher(dict(dev_app.config) | {"QUIET_HOLIDAYS": False},
                                  database(dev_app))
    dispatcher.clock = clock
    assert isinstance(dispatcher.sms, ConsoleSmsGateway)
    assert isinstance(dispatcher.email, ConsoleEmailGateway)
    with caplog.at_level("INFO"):
        assert dispatcher.run_until_idle() == 2
    dispatcher.close()
    assert "0612345678" not in caplog.text and "+33612345678" not in caplog.text
    assert EXAMPLES["liaison_proposal"]["link"] not in caplog.text  # no body in logs
    page = client.get("/dev/outbox")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Boîte d'envoi de développement" in html
    assert "+33612345678" in html and "marie.durand@example.fr" in html
    assert html.index("marie.durand@example.fr") < html.index("+33612345678")  # newest first
    assert "invite.ics" in html
    status = client.get("/api/v1/notifications/x", headers=AUTH)
    assert status.status_code == 404


def test_console_is_the_default() -> None:
    assert isinstance(build_sms_gateway({}), ConsoleSmsGateway)
    assert isinstance(build_email_gateway({}), ConsoleEmailGateway)


def test_incomplete_provider_settings_are_refused() -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        build_sms_gateway({"TWILIO_ACCOUNT_SID": "AC123"})
    with pytest.raises(ConfigError, match="TWILIO_FROM_NUMBER"):
        build_sms_gateway({"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "t"})
    with pytest.raises(ConfigError, match="SMTP_SECURITY"):
        build_email_gateway({"SMTP_HOST": "smtp.example.fr", "SMTP_SECURITY": "tls"})


def test_providers_are_built_from_settings() -> None:
    from services.notifier.adapters.smtp_email import SmtpEmailGateway
    from services.notifier.adapters.twilio_sms import TwilioSmsGateway

    sms_gateway = build_sms_gateway({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                                     "TWILIO_AUTH_TOKEN": "secret",
                                     "TWILIO_FROM_NUMBER": "+33700000000",
                                     "TWILIO_API_BASE_URL": "http://127.0.0.1:4010"})
    assert isinstance(sms_gateway, TwilioSmsGateway)
    email_gateway = build_email_gateway({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 2525,
                                         "SMTP_SECURITY": "none"})
    assert isinstance(email_gateway, SmtpEmailGateway)


def test_status_callback_url() -> None:
    assert status_callback_url({"PUBLIC_BASE_URL": "https://n.example.fr/"}) == (
        "https://n.example.fr/webhooks/twilio/status")
    assert status_callback_url({"TWILIO_STATUS_CALLBACK_URL": "https://x/y"}) == "https://x/y"


PRODUCTION = {"RELAIS_ENV": "production", "DATABASE_URL": "sqlite://",
              "SERVICE_TOKEN": "jeton-de-production", "SECRET_KEY": "clé-de-production"}
TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "secret",
          "TWILIO_FROM_NUMBER": "+33700000000"}


def test_production_refuses_the_console_backend_unless_told() -> None:
    with pytest.raises(ConfigError) as caught:
        check_backends(PRODUCTION)
    assert "TWILIO_ACCOUNT_SID (SMS)" in str(caught.value)
    assert "SMTP_HOST (e-mail)" in str(caught.value)
    assert "RELAIS_NOTIFIER_BACKEND=console" in str(caught.value)
    with pytest.raises(ConfigError, match="SMTP_HOST") as caught:
        check_backends(PRODUCTION | TWILIO)
    assert "TWILIO" not in str(caught.value)
    check_backends(PRODUCTION | TWILIO | {"SMTP_HOST": "smtp.example.fr"})
    check_backends(PRODUCTION | {"NOTIFIER_BACKEND": "console"})
    check_backends({"RELAIS_ENV": "development"})  # the console is the default there


def test_a_malformed_backend_choice_is_refused_everywhere() -> None:
    with pytest.raises(ConfigError, match="RELAIS_NOTIFIER_BACKEND"):
        check_backends({"RELAIS_ENV": "development", "NOTIFIER_BACKEND": "twilio"})


def test_production_app_and_worker_refuse_to_start_on_the_console(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from services.notifier.app import create_app
    from services.notifier.entrypoints import worker

    for name in ("TWILIO_ACCOUNT_SID", "SMTP_HOST", "RELAIS_NOTIFIER_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    environ = {"RELAIS_ENV": "production", "DATABASE_URL": "sqlite://",
               "RELAIS_SERVICE_TOKEN": "jeton-de-production",
               "RELAIS_SECRET_KEY": "clé-de-production"}
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match="RELAIS_NOTIFIER_BACKEND=console"):
        create_app()
    with pytest.raises(ConfigError, match="RELAIS_NOTIFIER_BACKEND=console"):
        worker.main()
    monkeypatch.setenv("RELAIS_NOTIFIER_BACKEND", "console")
    app = create_app()
    assert app.config["NOTIFIER_BACKEND"] == "console"
    database(app).dispose()
