"""Twilio's webhooks: delivery status callbacks and inbound SMS.

Both are form POSTs signed by Twilio (``X-Twilio-Signature``, an HMAC of the
URL and the form with our auth token). The URL Twilio signed is the public
one: behind a TLS proxy Flask sees ``http://...``, so the signature is checked
against ``PUBLIC_BASE_URL`` (``NOTIFIER_PUBLIC_URL``, the public URL of this
service's root, any path prefix the proxy strips included) plus the request
path and query, and, as a second candidate, the URL Flask reconstructs (right
when ``RELAIS_TRUSTED_PROXIES`` is set). Either way only a holder of the token
can produce a valid signature.

Without ``TWILIO_AUTH_TOKEN`` (the console backend, no Twilio account) nothing
can be verified, so both routes answer 403 to everything.

Order of checks: signature (403, nothing read, nothing recorded), then the
form (400 naming the field), then the database (503 if it fails, so that
Twilio may try again). Never a 500.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import phonenumbers
from flask import Blueprint, Response, current_app, jsonify, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from services.notifier.domain.replies import Intent, is_carrier_opt_in, parse_reply
from services.notifier.entrypoints.schemas import (
    TwilioInboundFormSchema,
    TwilioStatusFormSchema,
    WebhookAnswerSchema,
)
from services.notifier.service_layer import provider_events
from shared.errors import ApiError
from shared.logging import mask
from shared.openapi import documented
from shared.web import database

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__)

#: The answer to a message we cannot read, in one GSM-7 segment.
HELP_TEXT = (
    "Relais : répondez OUI ou NON à la dernière question. "
    "Pour ne plus recevoir de SMS, répondez STOP."
)
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_STATUS = re.compile(r"^[a-z_]{1,32}$")
_ERROR_CODE = re.compile(r"^\d{1,10}$")
FORM = "application/x-www-form-urlencoded"


def _now() -> datetime:
    """The current time; tests set ``CLOCK`` to a callable to fix it (as the API does)."""
    clock = current_app.config.get("CLOCK")
    now: datetime = clock() if callable(clock) else datetime.now(UTC)
    return now


def _check_signature() -> None:
    """Let the request through only with a valid Twilio signature.

    :raises ApiError: 403 when the token is not configured, the header is
        missing or the signature matches none of the candidate URLs.
    """
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        raise ApiError(403, "webhooks_disabled",
                       "webhooks Twilio désactivés : TWILIO_AUTH_TOKEN n'est pas configuré")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        log.warning("webhook Twilio sans signature refusé (%s)", request.path)
        raise ApiError(403, "invalid_signature", "signature Twilio absente")
    validator = RequestValidator(token)
    form = request.form
    if not any(validator.validate(url, form, signature) for url in _candidate_urls()):
        log.warning("webhook Twilio à la signature invalide refusé (%s)", request.path)
        raise ApiError(403, "invalid_signature", "signature Twilio invalide")


def _candidate_urls() -> list[str]:
    query = request.query_string.decode("latin-1")
    suffix = request.path + (f"?{query}" if query else "")
    public = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    urls = [public + suffix] if public else []
    if request.url not in urls:
        urls.append(request.url)
    return urls


def _required(name: str) -> str:
    value = (request.form.get(name) or "").strip()
    if not value:
        raise ApiError(400, "invalid_input", f"{name} : champ requis", name)
    return value


def _message_sid() -> str:
    sid = _required("MessageSid")
    if not _SID.match(sid):
        raise ApiError(400, "invalid_input", "MessageSid : identifiant invalide", "MessageSid")
    return sid


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ATTEMPT = re.compile(r"^[1-9][0-9]{0,5}$")


def _send_reference() -> provider_events.SendReference | None:
    """The send a status callback is about, from the (signed) query of its URL.

    Absent on URLs made before it existed: the provider id alone is used.
    """
    notification = request.args.get(provider_events.NOTIFICATION_PARAM)
    attempt = request.args.get(provider_events.ATTEMPT_PARAM)
    if notification is None and attempt is None:
        return None
    if notification is None or not _UUID.match(notification):
        raise ApiError(400, "invalid_input", "notification : identifiant invalide",
                       provider_events.NOTIFICATION_PARAM)
    if attempt is None or not _ATTEMPT.match(attempt):
        raise ApiError(400, "invalid_input", "attempt : numéro d'essai invalide",
                       provider_events.ATTEMPT_PARAM)
    return provider_events.SendReference(notification, int(attempt))


def _phone(name: str) -> str:
    """The form's number ``name`` in E.164, or a 400 naming the field."""
    raw = _required(name)
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException as exc:
        raise ApiError(400, "invalid_input", f"{name} : numéro illisible", name) from exc
    if not phonenumbers.is_valid_number(number):
        raise ApiError(400, "invalid_input", f"{name} : numéro invalide", name)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _twiml(reply: MessagingResponse) -> Response:
    return Response(str(reply), status=200, mimetype="text/xml")


def _unavailable(exc: Exception) -> ApiError:
    log.error("webhook Twilio non enregistré : %s", mask(f"{type(exc).__name__}: {exc}"))
    return ApiError(503, "unavailable", "enregistrement impossible pour l'instant, réessayer")


@bp.post("/webhooks/twilio/status")
@documented(
    "Statut de remise d'un SMS (rappel signé de Twilio)", tags=("webhooks",),
    request=TwilioStatusFormSchema, request_content_type=FORM,
    responses={200: WebhookAnswerSchema,
               400: "Formulaire incomplet", 403: "Signature absente ou invalide",
               503: "Base indisponible : Twilio réessaiera"},
)
def twilio_status() -> tuple[Response, int]:
    """Record a delivery status; idempotent, and never leaves a final state.

    Every form field Twilio adds is accepted (and covered by the signature);
    only ``MessageSid``, ``MessageStatus`` and ``ErrorCode`` are read. The
    callback URL of each message names its send (``?notification=<id>&attempt=<n>``,
    signed with the rest of the URL): a status that arrives before the
    dispatcher has recorded the send still finds its notification.
    """
    _check_signature()
    sid = _message_sid()
    status = _required("MessageStatus").lower()
    if not _STATUS.match(status):
        raise ApiError(400, "invalid_input", "MessageStatus : statut invalide", "MessageStatus")
    error_code = (request.form.get("ErrorCode") or "").strip() or None
    if error_code is not None and not _ERROR_CODE.match(error_code):
        raise ApiError(400, "invalid_input", "ErrorCode : code invalide", "ErrorCode")
    sent_as = _send_reference()
    now = _now()
    try:
        with database().session() as session:
            # Error 21610 also records the recipient's opt-out there.
            known = provider_events.record_provider_status(session, sid, status, error_code, now,
                                                           sent_as)
    except Exception as exc:  # anything but a 500: Twilio retries a 503 later
        raise _unavailable(exc) from exc
    if not known:
        log.info("statut Twilio pour un SMS inconnu ignoré : %s (%s)", sid, status)
        return jsonify({"status": "ignored"}), 200
    log.info("statut Twilio enregistré : %s -> %s%s", sid, status,
             f" (erreur {error_code})" if error_code else "")
    return jsonify({"status": "recorded"}), 200


@bp.post("/webhooks/twilio/inbound")
@documented(
    "SMS reçu (webhook signé de Twilio) : réponse OUI/NON, STOP, START", tags=("webhooks",),
    content_type="text/xml", request=TwilioInboundFormSchema, request_content_type=FORM,
    responses={200: "TwiML", 400: "Formulaire incomplet", 403: "Signature absente ou invalide",
               503: "Base indisponible : Twilio réessaiera"},
)
def twilio_inbound() -> Response:
    """Read an employee's SMS and answer in TwiML.

    OUI/NON go to the employee's latest open question; STOP (ARRET...) and
    START record the opt-out or opt-in, with an empty answer since Twilio
    sends its own confirmation; anything else gets a short help text.
    """
    _check_signature()
    sid = _message_sid()
    phone = _phone("From")
    body = request.form.get("Body") or ""
    intent = parse_reply(body)
    now = _now()
    reply = MessagingResponse()
    try:
        with database().session() as session:
            if intent in (Intent.YES, Intent.NO):
                if (intent is Intent.YES and is_carrier_opt_in(body)
                        and provider_events.is_opted_out(session, phone)):
                    # Twilio lifts a STOP on a bare YES: follow it, do not
                    # take it as an answer to a question sent before STOP.
                    intent = Intent.OPT_IN
                    provider_events.record_opt_in(session, phone, "sms_keyword", now)
                else:
                    provider_events.record_inbound_reply(session, phone, intent.value, now,
                                                         message_sid=sid)
            elif intent is Intent.OPT_OUT:
                provider_events.record_opt_out(session, phone, "sms_keyword", now)
            elif intent is Intent.OPT_IN:
                provider_events.record_opt_in(session, phone, "sms_keyword", now)
    except Exception as exc:  # anything but a 500: Twilio retries a 503 later
        raise _unavailable(exc) from exc
    if intent in (Intent.HELP, Intent.UNKNOWN):
        reply.message(HELP_TEXT)
    log.info("SMS reçu de %s lu comme %s", mask(phone), intent.value)
    return _twiml(reply)
