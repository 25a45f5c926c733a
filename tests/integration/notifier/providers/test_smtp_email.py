"""SmtpEmailGateway against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest

from services.notifier.adapters.email_builder import build_email
from services.notifier.adapters.gateways import DeliveryError
from services.notifier.adapters.smtp_email import SmtpEmailGateway
from tests.integration.notifier.providers.conftest import (
    Certificate,
    SmtpFactory,
    SmtpServer,
    free_port,
)

ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais//FR\r\nMETHOD:REQUEST\r\n"
       "BEGIN:VEVENT\r\nUID:visite-1@relais\r\nSUMMARY:Visite de reprise\r\nEND:VEVENT\r\n"
       "END:VCALENDAR\r\n")


def invitation(to: str = "rh@example.fr") -> EmailMessage:
    return build_email("Relais <no-reply@relais.example>", to, "Visite de reprise – invitation",
                       "Bonjour,\nVous êtes invité.", "<p>Bonjour, vous êtes invité.</p>", ICS,
                       idempotency_key="notif-1", message_id_domain="relais.example")


def received(server: SmtpServer) -> EmailMessage:
    assert len(server.handler.messages) == 1
    parsed = email.message_from_bytes(server.handler.messages[0].content,
                                      policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_delivers_text_html_and_invitation(smtp_server: SmtpServer) -> None:
    gateway = SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=5)
    message = invitation()
    result = gateway.send(message)
    assert result.provider_id == message["Message-ID"]
    assert result.provider_id.endswith("@relais.example>")
    captured = smtp_server.handler.messages[0]
    assert captured.mail_from == "no-reply@relais.example"
    assert captured.rcpt_tos == ["rh@example.fr"]
    got = received(smtp_server)
    assert got["Message-ID"] == result.provider_id
    assert got["Date"] is not None  # added by the gateway
    types = [part.get_content_type() for part in got.walk()]
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
                     "text/calendar", "text/calendar"]
    calendars = [p for p in got.walk() if p.get_content_type() == "text/calendar"]
    assert {p.get_param("method") for p in calendars} == {"REQUEST"}
    assert all(p.get_content() == ICS for p in calendars)
    plain = got.get_body(("plain",))
    assert plain is not None and "Vous êtes invité." in plain.get_content()


def test_same_notification_keeps_its_message_id(smtp_server: SmtpServer) -> None:
    gateway = SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=5)
    assert gateway.send(invitation()).provider_id == gateway.send(invitation()).provider_id


def test_bcc_is_delivered_but_not_shown(smtp_server: SmtpServer) -> None:
    message = invitation()
    message["Bcc"] = "archive@relais.example"
    SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=5).send(message)
    assert smtp_server.handler.messages[0].rcpt_tos == ["rh@example.fr", "archive@relais.example"]
    assert received(smtp_server)["Bcc"] is None


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_auth_without_tls(smtp_server_factory: SmtpFactory) -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(server: object, session: object, envelope: object, mechanism: str,
                      auth_data: object) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"relais", b"s3cret")
        return AuthResult(success=ok, handled=False)

    server = smtp_server_factory(authenticator=authenticator, auth_required=True,
                                 auth_require_tls=False)
    SmtpEmailGateway(server.host, server.port, "relais", "s3cret", timeout=5).send(invitation())
    assert len(server.handler.messages) == 1

    with pytest.raises(DeliveryError) as caught:  # our configuration: transient
        SmtpEmailGateway(server.host, server.port, "relais", "faux", timeout=5).send(invitation())
    assert not caught.value.permanent and caught.value.code == "535"
    with pytest.raises(DeliveryError) as caught:  # no login where one is required
        SmtpEmailGateway(server.host, server.port, timeout=5).send(invitation())
    assert not caught.value.permanent and caught.value.code == "530"
    assert len(server.handler.messages) == 1


def test_starttls(smtp_server_factory: SmtpFactory, self_signed: Certificate) -> None:
    server = smtp_server_factory(tls_context=self_signed.server_context(), require_starttls=True)
    gateway = SmtpEmailGateway(server.host, server.port, security="starttls", timeout=5,
                               ssl_context=self_signed.client_context())
    gateway.send(invitation())
    assert len(server.handler.messages) == 1
    with pytest.raises(DeliveryError) as caught:  # the server insists on STARTTLS
        SmtpEmailGateway(server.host, server.port, timeout=5).send(invitation())
    assert not caught.value.ambiguous and len(server.handler.messages) == 1


def test_implicit_tls(smtp_server_factory: SmtpFactory, self_signed: Certificate) -> None:
    server = smtp_server_factory(ssl_context=self_signed.server_context())
    SmtpEmailGateway(server.host, server.port, security="ssl", timeout=5,
                     ssl_context=self_signed.client_context()).send(invitation())
    assert len(server.handler.messages) == 1


def test_untrusted_certificate_is_not_accepted(smtp_server_factory: SmtpFactory,
                                               self_signed: Certificate) -> None:
    server = smtp_server_factory(tls_context=self_signed.server_context(), require_starttls=True)
    with pytest.raises(DeliveryError) as caught:  # default context: unknown CA
        SmtpEmailGateway(server.host, server.port, security="starttls", timeout=5).send(
            invitation())
    assert not caught.value.permanent
    assert server.handler.messages == []


@pytest.mark.parametrize(("to", "permanent", "code"), [
    ("refuse550@example.fr", True, "550"),
    ("greylist@example.fr", False, "451"),
    ("data451@example.fr", False, "451"),
])
def test_refusals(smtp_server: SmtpServer, to: str, permanent: bool, code: str) -> None:
    gateway = SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=5)
    with pytest.raises(DeliveryError) as caught:
        gateway.send(invitation(to=to))
    assert (caught.value.permanent, caught.value.ambiguous, caught.value.code) == (
        permanent, False, code)
    assert smtp_server.handler.messages == []


def test_one_refused_recipient_among_several_still_delivers(smtp_server: SmtpServer) -> None:
    message = invitation(to="rh@example.fr")
    message["Cc"] = "refuse550@example.fr"
    SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=5).send(message)
    assert smtp_server.handler.messages[0].rcpt_tos == ["rh@example.fr"]


def test_server_down_is_transient() -> None:
    gateway = SmtpEmailGateway("127.0.0.1", free_port(), timeout=2)
    with pytest.raises(DeliveryError) as caught:
        gateway.send(invitation())
    assert not caught.value.permanent and not caught.value.ambiguous


def test_timeout_after_data_is_ambiguous(smtp_server: SmtpServer) -> None:
    smtp_server.handler.delay = 2.0
    gateway = SmtpEmailGateway(smtp_server.host, smtp_server.port, timeout=0.5)
    with pytest.raises(DeliveryError) as caught:
        gateway.send(invitation(to="slow@example.fr"))
    assert caught.value.ambiguous and not caught.value.permanent


def test_message_without_recipient_is_a_programming_error(smtp_server: SmtpServer) -> None:
    message = EmailMessage()
    message["From"] = "a@relais.example"
    message.set_content("x")
    with pytest.raises(ValueError):
        SmtpEmailGateway(smtp_server.host, smtp_server.port).send(message)


def test_unknown_security_mode() -> None:
    with pytest.raises(ValueError, match="SMTP_SECURITY"):
        SmtpEmailGateway("127.0.0.1", 25, security="tls")
