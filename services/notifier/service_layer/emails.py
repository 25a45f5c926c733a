"""Building the MIME message of an e-mail notification.

The MIME structure (text, HTML, the ICS invite as a ``text/calendar``
alternative plus an ``invite.ics`` attachment, a stable ``Message-ID``) is
:func:`services.notifier.adapters.email_builder.build_email`'s; this module
maps a claimed notification onto it and adds the other attachments.
"""

from __future__ import annotations

from email.message import EmailMessage

from services.notifier.adapters import email_builder
from services.notifier.adapters.email_builder import EmailBuildError
from services.notifier.service_layer.snapshots import Claimed

__all__ = ["EmailBuildError", "build_email", "is_calendar"]


def _media_type(declared: str) -> tuple[str, str, dict[str, str]]:
    kind, *raw_params = (part.strip() for part in declared.split(";"))
    maintype, _, subtype = kind.lower().partition("/")
    params = {}
    for raw in raw_params:
        name, _, value = raw.partition("=")
        if name and value:
            params[name.strip().lower()] = value.strip().strip('"')
    return maintype, subtype or "octet-stream", params


def is_calendar(attachment: dict[str, str]) -> bool:
    """True for an ICS invite (``text/calendar``)."""
    return _media_type(attachment["content_type"])[:2] == ("text", "calendar")


def build_email(claimed: Claimed, sender: str, domain: str = "relais.invalid") -> EmailMessage:
    """The full message for ``claimed``, headers included.

    :raises EmailBuildError: more than one invite, an ICS without or with a
        different ``METHOD``, or a header with a line break.
    """
    invites = [a for a in claimed.attachments if is_calendar(a)]
    if len(invites) > 1:
        raise EmailBuildError("une seule invitation ICS par message")
    invite = invites[0] if invites else None
    message = email_builder.build_email(
        sender, claimed.recipient, claimed.subject or "", claimed.body, claimed.html,
        invite_ics=invite["content"] if invite else None,
        ics_method=_media_type(invite["content_type"])[2].get("method") if invite else None,
        idempotency_key=claimed.idempotency_key, message_id_domain=domain,
        date=claimed.created_at,
    )
    message["X-Relais-Notification"] = claimed.id
    message["Auto-Submitted"] = "auto-generated"
    for attachment in claimed.attachments:
        if attachment is invite:
            continue
        maintype, subtype, _ = _media_type(attachment["content_type"])
        message.add_attachment(attachment["content"].encode(), maintype=maintype,
                               subtype=subtype, filename=attachment["filename"])
    return message
