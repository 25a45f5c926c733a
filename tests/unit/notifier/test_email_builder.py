"""The MIME structure of e-mails, calendar invitations included."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from services.notifier.adapters.email_builder import (
    EmailBuildError,
    build_email,
    ics_method,
    message_id_for,
)


def ics(method: str | None = "REQUEST") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Relais//FR"]
    if method:
        lines.append(f"METHOD:{method}")
    lines += ["BEGIN:VEVENT", "UID:visite-42@relais", "SEQUENCE:0",
              "SUMMARY:Visite de reprise – Médecine du travail", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def reparse(message: EmailMessage) -> EmailMessage:
    """What the recipient gets: the bytes on the wire, parsed again."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def structure(message: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_text_only() -> None:
    message = reparse(build_email("Relais <no-reply@relais.fr>", "rh@example.fr", "Sujet",
                                  "Bonjour Élodie"))
    assert structure(message) == ["text/plain"]
    assert message.get_content().strip() == "Bonjour Élodie"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"


def test_text_and_html_are_alternatives() -> None:
    message = reparse(build_email("a@relais.fr", "b@example.fr", "S", "texte", "<p>html</p>"))
    assert structure(message) == ["multipart/alternative", "text/plain", "text/html"]
    body = message.get_body(("html",))
    assert body is not None and "<p>html</p>" in body.get_content()


def test_invitation_structure_method_and_encoding() -> None:
    text = ics("REQUEST")
    message = reparse(build_email("a@relais.fr", ["b@example.fr", "c@example.fr"], "Invitation",
                                  "texte", "<p>html</p>", text))
    assert structure(message) == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html",
        "text/calendar", "text/calendar",
    ]
    inline, attached = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    for part in (inline, attached):
        assert part.get_param("method") == "REQUEST"
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_content() == text  # CRLF line ends and accents intact
    assert inline.get_content_disposition() is None
    assert attached.get_content_disposition() == "attachment"
    assert attached.get_filename() == "invite.ics"
    assert message["To"] == "b@example.fr, c@example.fr"


def test_invitation_without_html() -> None:
    message = reparse(build_email("a@relais.fr", "b@example.fr", "S", "texte", None, ics()))
    assert structure(message) == ["multipart/mixed", "multipart/alternative", "text/plain",
                                  "text/calendar", "text/calendar"]


def test_cancel_method_is_read_from_the_ics() -> None:
    message = build_email("a@relais.fr", "b@example.fr", "Annulation", "t", None, ics("CANCEL"))
    methods = {p.get_param("method") for p in message.walk()
               if p.get_content_type() == "text/calendar"}
    assert methods == {"CANCEL"}


def test_given_method_must_equal_the_ics_method() -> None:
    build_email("a@relais.fr", "b@example.fr", "S", "t", None, ics("CANCEL"), "cancel")
    with pytest.raises(EmailBuildError, match="diffère"):
        build_email("a@relais.fr", "b@example.fr", "S", "t", None, ics("CANCEL"), "REQUEST")


@pytest.mark.parametrize("method", [None, "FOO"])
def test_ics_without_a_known_method_is_refused(method: str | None) -> None:
    with pytest.raises(EmailBuildError):
        build_email("a@relais.fr", "b@example.fr", "S", "t", None, ics(method))


def test_ics_method_unfolds_and_ignores_parameters() -> None:
    assert ics_method("BEGIN:VCALENDAR\r\nMETH\r\n OD:request\r\nEND:VCALENDAR") == "REQUEST"
    assert ics_method("METHOD;X-FOO=1:PUBLISH\n") == "PUBLISH"
    assert ics_method("BEGIN:VCALENDAR\nEND:VCALENDAR") is None


def test_message_id_is_stable_per_idempotency_key() -> None:
    first = build_email("a@relais.fr", "b@example.fr", "S", "t", idempotency_key="notif-1",
                        message_id_domain="relais.example.fr")
    again = build_email("a@relais.fr", "b@example.fr", "S", "t", idempotency_key="notif-1",
                        message_id_domain="relais.example.fr")
    other = build_email("a@relais.fr", "b@example.fr", "S", "t", idempotency_key="notif-2",
                        message_id_domain="relais.example.fr")
    assert first["Message-ID"] == again["Message-ID"] == message_id_for(
        "notif-1", "relais.example.fr")
    assert first["Message-ID"] != other["Message-ID"]
    assert "notif-1" not in first["Message-ID"]
    assert first["Message-ID"].endswith("@relais.example.fr>")


def test_without_key_each_message_id_is_fresh() -> None:
    one = build_email("a@relais.fr", "b@example.fr", "S", "t")
    two = build_email("a@relais.fr", "b@example.fr", "S", "t")
    assert one["Message-ID"] != two["Message-ID"]


def test_date_is_set_only_when_given() -> None:
    assert build_email("a@relais.fr", "b@example.fr", "S", "t")["Date"] is None
    dated = build_email("a@relais.fr", "b@example.fr", "S", "t",
                        date=datetime(2025, 3, 4, 9, 30, tzinfo=UTC))
    assert dated["Date"] == "Tue, 04 Mar 2025 09:30:00 +0000"


def test_headers_with_line_breaks_are_refused() -> None:
    with pytest.raises(EmailBuildError):
        build_email("a@relais.fr", "b@example.fr", "Sujet\r\nBcc: victime@example.fr", "t")


def test_non_ascii_subject_is_encoded() -> None:
    raw = build_email("a@relais.fr", "b@example.fr", "Visite de reprise – été", "t").as_bytes()
    raw.decode("ascii")  # 7-bit on the wire
    assert reparse(build_email("a@relais.fr", "b@example.fr", "Été", "t"))["Subject"] == "Été"
