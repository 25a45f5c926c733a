"""Marshmallow schemas of the notifications API."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema

MAX_ATTACHMENT_CHARS = 200_000


class AttachmentSchema(Schema):
    """A text attachment, e.g. an ICS invite (``text/calendar; method=REQUEST``)."""

    class Meta:
        unknown = RAISE

    filename = fields.String(required=True, validate=[
        validate.Length(1, 120), validate.Regexp(r"^[^/\\\r\n\"]+$",
                                                 error="nom de fichier invalide")])
    content_type = fields.String(required=True, validate=[
        validate.Length(3, 120), validate.Regexp(r"^[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+(\s*;.*)?$",
                                                 error="type MIME invalide")])
    content = fields.String(required=True, validate=validate.Length(1, MAX_ATTACHMENT_CHARS))


class NotificationRequestSchema(Schema):
    """``POST /api/v1/notifications``."""

    class Meta:
        unknown = RAISE

    channel = fields.String(required=True, validate=validate.OneOf(("sms", "email")))
    to = fields.String(required=True, validate=validate.Length(1, 254))
    template = fields.String(required=True, validate=validate.Length(1, 64))
    data = fields.Dict(keys=fields.String(), load_default=dict)
    locale = fields.String(load_default="fr", validate=validate.OneOf(("fr",)))
    idempotency_key = fields.String(required=True, validate=validate.Length(8, 200))
    not_before = fields.AwareDateTime(load_default=None, allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list,
                              validate=validate.Length(max=5))
    callback_url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"},
                              require_tld=False)

    @validates_schema
    def _attachments_by_email_only(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("attachments") and data.get("channel") == "sms":
            raise ValidationError("pas de pièce jointe pour un SMS", "attachments")


class AcceptedSchema(Schema):
    id = fields.String()
    status = fields.String()


class EventSchema(Schema):
    status = fields.String()
    at = fields.DateTime()
    attempt = fields.Integer(allow_none=True)
    detail = fields.String(allow_none=True)


class NotificationSchema(Schema):
    """``GET /api/v1/notifications/{id}``."""

    id = fields.String()
    idempotency_key = fields.String()
    channel = fields.String()
    to = fields.String(attribute="recipient")
    template = fields.String()
    locale = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    provider_id = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    error_code = fields.String(allow_none=True)
    possibly_duplicated = fields.Boolean()
    possibly_sent = fields.Boolean()
    segments = fields.Integer(allow_none=True)
    not_before = fields.DateTime(allow_none=True)
    next_attempt_at = fields.DateTime()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    history = fields.List(fields.Nested(EventSchema))


# -- Twilio's webhooks (documentation of the signed form posts) --------------------


class TwilioFormSchema(Schema):
    """Fields every Twilio webhook form carries; Twilio adds many more, all accepted."""

    class Meta:
        unknown = INCLUDE

    MessageSid = fields.String(required=True, metadata={
        "description": "identifiant Twilio du message : 2 lettres et 32 chiffres hexadécimaux"})


class TwilioStatusFormSchema(TwilioFormSchema):
    """``POST /webhooks/twilio/status``: a delivery status callback."""

    MessageStatus = fields.String(required=True, metadata={
        "description": "queued, sent, delivered, undelivered, failed…"})
    ErrorCode = fields.String(metadata={"description": "code d'erreur Twilio (chiffres)"})


class TwilioInboundFormSchema(TwilioFormSchema):
    """``POST /webhooks/twilio/inbound``: an SMS sent by an employee."""

    From = fields.String(required=True, metadata={"description": "numéro de l'expéditeur"})
    Body = fields.String(metadata={"description": "texte du SMS : OUI, NON, STOP, START…"})


class WebhookAnswerSchema(Schema):
    """What a status callback did: ``recorded``, or ``ignored`` for an unknown message."""

    status = fields.String(required=True, metadata={"enum": ["recorded", "ignored"]})
