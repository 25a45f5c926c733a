"""Build the MIME message of one e-mail, calendar invitation included.

The structure is the one calendar clients (Outlook above all) recognise::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                      (quoted-printable)
    │   ├── text/html                       (quoted-printable, optional)
    │   └── text/calendar; method=REQUEST   (base64, optional)
    └── text/calendar; method=REQUEST; name=invite.ics  (attachment, base64)

The MIME ``method`` parameter must equal the ICS ``METHOD`` property, or
clients show no Accept/Decline buttons (or worse, apply a cancellation as an
invitation): :func:`build_email` reads it from the ICS and refuses a mismatch.

A stable ``Message-ID`` is derived from the notification's idempotency key, so
that a message sent twice (a timeout after the server took it) carries the
same id and mail clients and archives can tell it is the same message.

Pure: no I/O, no clock (pass ``date`` to stamp the message).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

#: RFC 5546 iTIP methods.
ICS_METHODS = frozenset({
    "PUBLISH", "REQUEST", "REPLY", "ADD", "CANCEL", "REFRESH", "COUNTER", "DECLINECOUNTER",
})
INVITE_FILENAME = "invite.ics"
_METHOD_LINE = re.compile(r"^METHOD[;:](?:[^:\r\n]*:)?(?P<value>[^\n]*)$", re.MULTILINE)


class EmailBuildError(ValueError):
    """The parts given cannot make a correct message."""


def ics_method(ics_text: str) -> str | None:
    """The ``METHOD`` of the VCALENDAR in ``ics_text``, upper-cased, or None.

    Folded lines (RFC 5545 §3.1) are unfolded first.
    """
    unfolded = re.sub(r"\n[ \t]", "", ics_text.replace("\r\n", "\n"))
    match = _METHOD_LINE.search(unfolded)
    return match.group("value").strip().upper() if match else None


def message_id_for(idempotency_key: str, domain: str) -> str:
    """The ``Message-ID`` of every send of one notification.

    A hash, so that the key (which may carry identifiers) is not disclosed.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def build_email(
    sender: str, to: str | list[str], subject: str, text: str, html: str | None = None,
    invite_ics: str | None = None, ics_method: str | None = None, *,
    idempotency_key: str | None = None, message_id_domain: str = "relais.invalid",
    reply_to: str | None = None, date: datetime | None = None,
) -> EmailMessage:
    """Assemble one complete e-mail.

    :param sender: the ``From`` header (``"Relais <no-reply@example.fr>"``).
    :param to: one address or several.
    :param text: the plain-text body; always present, for clients that show
        only it and for accessibility.
    :param html: the HTML alternative.
    :param invite_ics: a VCALENDAR text; added as a ``text/calendar``
        alternative and as an ``invite.ics`` attachment.
    :param ics_method: the iTIP method; read from the ICS when None.
    :param idempotency_key: gives a stable ``Message-ID``; without it a fresh
        one is made.
    :param date: the ``Date`` header; left out when None (the gateway adds it).
    :raises EmailBuildError: on a missing, unknown or mismatched ICS method,
        or a header with a line break.
    """
    message = EmailMessage()
    try:
        message["From"] = sender
        message["To"] = ", ".join(to) if isinstance(to, list) else to
        message["Subject"] = subject
        if reply_to:
            message["Reply-To"] = reply_to
    except ValueError as exc:  # CR/LF in a header: refuse, never inject
        raise EmailBuildError(f"en-tête invalide : {exc}") from exc
    message["Message-ID"] = (
        message_id_for(idempotency_key, message_id_domain) if idempotency_key
        else make_msgid(domain=message_id_domain)
    )
    if date is not None:
        message["Date"] = format_datetime(date)
    message["MIME-Version"] = "1.0"
    # Quoted-printable keeps every line 7-bit: no 8BITMIME needed on the way.
    message.set_content(text, subtype="plain", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", cte="quoted-printable")
    if invite_ics is not None:
        method = _checked_method(invite_ics, ics_method)
        if not message.is_multipart():
            # A single alternative would stay a leaf: make the text/calendar
            # an alternative of the text anyway.
            message.make_alternative()
        # Encoded here rather than handed over as a str: the str path rewrites
        # the CRLF line ends RFC 5545 requires into LF. The charset goes in
        # the parameters, so it is kept all the same.
        ics_bytes = invite_ics.encode("utf-8")
        params = {"method": method, "charset": "utf-8"}
        message.add_alternative(
            ics_bytes, maintype="text", subtype="calendar", cte="base64", params=params
        )
        message.add_attachment(
            ics_bytes, maintype="text", subtype="calendar", cte="base64",
            filename=INVITE_FILENAME, params=params,
        )
    return message


def _checked_method(invite_ics: str, given: str | None) -> str:
    found = ics_method(invite_ics)
    if found is None:
        raise EmailBuildError("l'invitation ICS n'a pas de METHOD (REQUEST, CANCEL…)")
    if found not in ICS_METHODS:
        raise EmailBuildError(f"METHOD ICS inconnue : {found}")
    if given is not None and given.upper() != found:
        raise EmailBuildError(
            f"la méthode MIME ({given.upper()}) diffère de la METHOD de l'ICS ({found})"
        )
    return found
