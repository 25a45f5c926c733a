"""E-mail through an SMTP server, with ``smtplib``.

One connection per message: mail volume is low, and a fresh connection never
reuses a session the server has silently closed.

What each failure means for the dispatcher (see :class:`DeliveryError`):

- the server cannot be reached, or answers 4xx (greylisting, mailbox busy,
  451 local error): *transient*;
- it answers 5xx to the sender, a recipient or the data (550 no such user,
  554 rejected): *permanent*;
- it refuses our login (530, 535...) or lacks STARTTLS/AUTH: *transient*, since the
  fault is our configuration and a fixed secret must still let it through;
- the connection fails after the message data was handed over and before
  the final answer: *ambiguous* (the server may have queued it). The
  ``Message-ID`` (stable per notification, see
  :mod:`~services.notifier.adapters.email_builder`) makes a resend
  recognisable.
"""

from __future__ import annotations

import copy
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from typing import Literal

from services.notifier.adapters.gateways import DeliveryError, EmailGateway, SendResult
from shared.logging import mask

log = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
SECURITY_MODES: tuple[Security, ...] = ("none", "starttls", "ssl")


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return mask(" ".join(text.split()))[:300]


#: 5xx answers about our authentication, not about the message: transient.
AUTH_CODES = frozenset({530, 534, 535, 538})


def classify_reply(code: int, reply: bytes | str, stage: str) -> DeliveryError:
    """A refusal by the server: 4xx may pass later, 5xx never will.

    Except authentication refusals (530, 534, 535, 538): the configuration is
    at fault, and the message must go out once it is fixed.
    """
    message = f"SMTP {code} à l'étape {stage} : {_reply_text(reply)}"
    if code in AUTH_CODES:
        log.error("le serveur SMTP exige une authentification valide : vérifier SMTP_USERNAME, "
                  "SMTP_PASSWORD et SMTP_SECURITY")
        return DeliveryError(message, code=str(code))
    return DeliveryError(message, permanent=500 <= code < 600, code=str(code))


class SmtpEmailGateway(EmailGateway):
    """Sends complete :class:`EmailMessage` objects through one SMTP server.

    :param security: ``none`` (plain, for a local relay or tests),
        ``starttls`` (upgrade on port 587) or ``ssl`` (implicit TLS, port 465).
    :param timeout: seconds for connecting and for each answer.
    :param ssl_context: verification settings; the system's defaults otherwise.
    :raises ValueError: on an unknown security mode.
    """

    def __init__(
        self, host: str, port: int, username: str | None = None, password: str | None = None,
        security: str = "none", timeout: float = 10.0, *,
        ssl_context: ssl.SSLContext | None = None, local_hostname: str | None = None,
    ) -> None:
        if security not in SECURITY_MODES:
            raise ValueError(f"SMTP_SECURITY doit valoir {', '.join(SECURITY_MODES)}")
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.security: Security = security
        self.ssl_context = ssl_context
        self.local_hostname = local_hostname

    def send(self, message: EmailMessage) -> SendResult:
        """Deliver ``message`` to every address of its To, Cc and Bcc headers.

        Adds ``Message-ID`` and ``Date`` when missing; ``Bcc`` is not transmitted.

        :returns: the ``Message-ID`` as provider id.
        :raises DeliveryError: see the module docstring.
        :raises ValueError: on a message without sender or recipient.
        """
        if message["Message-ID"] is None:
            message["Message-ID"] = make_msgid(domain="relais.invalid")
        if message["Date"] is None:
            message["Date"] = formatdate(usegmt=True)
        message_id = str(message["Message-ID"])
        sender = _addresses(message, "Sender") or _addresses(message, "From")
        recipients = [a for h in ("To", "Cc", "Bcc") for a in _addresses(message, h)]
        if not sender or not recipients:
            raise ValueError("le message doit avoir un expéditeur et au moins un destinataire")
        wire = copy.copy(message)
        del wire["Bcc"]
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise self._connection_error(exc, data_sent=False) from exc
        try:
            self._transaction(smtp, sender[0], recipients, wire)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
        log.info("e-mail remis au serveur SMTP : %s", message_id)
        return SendResult(provider_id=message_id, status="sent")

    def _connect(self) -> smtplib.SMTP:
        context = self.ssl_context or ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                    timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname,
                                timeout=self.timeout)
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _transaction(
        self, smtp: smtplib.SMTP, sender: str, recipients: list[str], message: EmailMessage
    ) -> None:
        """MAIL, RCPT, DATA by hand, to know whether the data went out when it fails."""
        data_sent = False
        try:
            code, reply = smtp.mail(sender)
            if code != 250:
                raise classify_reply(code, reply, "MAIL FROM")
            refused: dict[str, tuple[int, bytes]] = {}
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, reply)
            if len(refused) == len(recipients):
                smtp.rset()
                codes = sorted({code for code, _ in refused.values()})
                worst = min(codes)  # a 4xx among them means "later" may work
                raise classify_reply(worst, next(iter(refused.values()))[1], "RCPT TO")
            if refused:
                log.warning("%d destinataire(s) refusé(s) sur %d", len(refused), len(recipients))
            data_sent = True
            code, reply = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
            if code != 250:
                raise classify_reply(code, reply, "DATA")
        except UnicodeEncodeError as exc:  # no SMTPUTF8 here: such an address never passes
            raise DeliveryError("adresse e-mail non ASCII non prise en charge", permanent=True,
                                code="non_ascii_address") from exc
        except smtplib.SMTPResponseException as exc:
            raise classify_reply(exc.smtp_code, exc.smtp_error, "DATA" if data_sent
                                 else "enveloppe") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise self._connection_error(exc, data_sent=data_sent) from exc

    def _connection_error(self, exc: BaseException, *, data_sent: bool) -> DeliveryError:
        if isinstance(exc, smtplib.SMTPResponseException):
            return classify_reply(exc.smtp_code, exc.smtp_error, "connexion")
        if data_sent:
            return DeliveryError(
                f"connexion SMTP perdue après l'envoi des données ({type(exc).__name__}) : "
                "le message a peut-être été accepté", ambiguous=True, code="connection_lost")
        return DeliveryError(f"serveur SMTP injoignable : {type(exc).__name__}: "
                             f"{_reply_text(str(exc))}")


def _addresses(message: EmailMessage, header: str) -> list[str]:
    values = [str(v) for v in message.get_all(header, [])]
    return [address for _, address in getaddresses(values) if address]
