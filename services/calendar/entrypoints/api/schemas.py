"""Marshmallow schemas of the calendar API (requests and answers), French messages."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.calendar.domain.model import Role, Status

MAX_DESCRIPTION = 5000
MAX_ATTENDEES = 100
MAX_BUSY_RANGE = timedelta(days=366)
UID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,199}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x1f\x7f]")

Messages = dict[str, str | list[Any] | dict[Any, Any]]
AWARE: Messages = {
    "invalid": "date et heure ISO 8601 attendues (ex. 2026-03-10T09:00:00+01:00)",
    "invalid_awareness": "date et heure avec fuseau horaire attendues "
                         "(ex. 2026-03-10T09:00:00+01:00)",
    "required": "champ obligatoire",
    "null": "champ obligatoire",
}
REQUIRED: Messages = {"required": "champ obligatoire", "null": "ne peut pas être nul"}
EMAIL: Messages = {**REQUIRED, "invalid": "adresse e-mail invalide"}


def _single_line(value: str) -> None:
    if _CONTROL_OR_NEWLINE.search(value):
        raise ValidationError("caractères de contrôle ou retour à la ligne interdits")


def _text(value: str) -> None:
    if _CONTROL.search(value):
        raise ValidationError("caractères de contrôle interdits")


def _line(max_length: int, min_length: int = 1) -> list[Any]:
    return [validate.Length(min=min_length, max=max_length,
                            error=f"entre {min_length} et {max_length} caractères"),
            _single_line]


def _timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"fuseau horaire inconnu : {value!r}") from exc


class PersonSchema(Schema):
    name = fields.String(load_default="", validate=_line(200, 0), error_messages=REQUIRED)
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         error_messages=EMAIL)


class AttendeeSchema(PersonSchema):
    role = fields.String(load_default=Role.REQUIRED.value, error_messages=REQUIRED,
                         validate=validate.OneOf([r.value for r in Role],
                                                 error="rôle inconnu : {input}"))


class EventInSchema(Schema):
    """``PUT /api/v1/events/{uid}``."""

    start = fields.AwareDateTime(required=True, error_messages=AWARE)
    end = fields.AwareDateTime(required=True, error_messages=AWARE)
    timezone = fields.String(load_default="Europe/Paris", validate=_timezone,
                             error_messages=REQUIRED)
    summary = fields.String(required=True, validate=_line(300), error_messages=REQUIRED)
    description = fields.String(
        load_default="", error_messages=REQUIRED,
        validate=[validate.Length(max=MAX_DESCRIPTION,
                                  error=f"{MAX_DESCRIPTION} caractères au plus"), _text])
    location = fields.String(load_default=None, allow_none=True, validate=_line(500))
    video_url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"},
                           validate=validate.Length(max=2000),
                           error_messages={"invalid": "URL http(s) invalide"})
    organizer = fields.Nested(PersonSchema, required=True, error_messages=REQUIRED)
    attendees = fields.List(
        fields.Nested(AttendeeSchema), load_default=list, error_messages=REQUIRED,
        validate=validate.Length(max=MAX_ATTENDEES,
                                 error=f"{MAX_ATTENDEES} participants au plus"))
    status = fields.String(load_default=Status.CONFIRMED.value, error_messages=REQUIRED,
                           validate=validate.OneOf([s.value for s in Status],
                                                   error="statut inconnu : {input}"))
    planner_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=validate.Range(min=1, max=2**31 - 1))
    # False: no invitation e-mail from Relais (the caller sends its own); absent:
    # unchanged (true for a new event).
    send_invites = fields.Boolean(load_default=None, allow_none=True,
                                  truthy={True}, falsy={False},
                                  error_messages={"invalid": "booléen attendu (true ou false)"})

    @validates_schema
    def _coherent(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None and end <= start:
            raise ValidationError("doit être postérieur à start", "end")
        if start is not None and end is not None and end - start > timedelta(days=31):
            raise ValidationError("un événement dure au plus 31 jours", "end")
        if not data.get("location") and not data.get("video_url"):
            raise ValidationError("lieu ou lien de visioconférence obligatoire", "location")
        emails = [a["email"].lower() for a in data.get("attendees", [])]
        for index, email in enumerate(emails):
            if email in emails[:index]:
                raise ValidationError({"attendees": {index: {"email": ["participant en double"]}}})


class PersonOutSchema(Schema):
    name = fields.String()
    email = fields.String()


class AttendeeOutSchema(PersonOutSchema):
    role = fields.String()


class CaldavStateSchema(Schema):
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    pushed_at = fields.AwareDateTime(allow_none=True)


class InviteStateSchema(Schema):
    """One invitation e-mail (one attendee, one revision) and where it stands."""

    email = fields.String()
    method = fields.String()
    sequence = fields.Integer()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    notification_id = fields.String(allow_none=True)


class EventOutSchema(Schema):
    uid = fields.String()
    sequence = fields.Integer()
    status = fields.String()
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    timezone = fields.String()
    summary = fields.String()
    description = fields.String()
    location = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    organizer = fields.Nested(PersonOutSchema)
    attendees = fields.List(fields.Nested(AttendeeOutSchema))
    planner_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    caldav = fields.Nested(CaldavStateSchema, allow_none=True)
    send_invites = fields.Boolean()
    invites = fields.List(fields.Nested(InviteStateSchema))
    links = fields.Dict(keys=fields.String(), values=fields.String())


class IcsQuerySchema(Schema):
    method = fields.String(load_default="REQUEST", validate=validate.OneOf(
        ["REQUEST", "CANCEL", "PUBLISH"], error="méthode inconnue : {input} "
        "(REQUEST, CANCEL ou PUBLISH)"))


class InviteLinkSchema(Schema):
    url = fields.String()
    expires_in = fields.Integer()


class PlannerInSchema(Schema):
    name = fields.String(required=True, validate=_line(200), error_messages=REQUIRED)
    email = fields.Email(required=True, validate=validate.Length(max=254),
                         error_messages=EMAIL)
    spst_id = fields.Integer(load_default=None, allow_none=True, strict=True,
                             validate=validate.Range(min=1, max=2**31 - 1))


class PlannerOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    spst_id = fields.Integer(allow_none=True)
    feed_active = fields.Boolean()
    caldav = fields.Dict(allow_none=True)
    links = fields.Dict(keys=fields.String(), values=fields.String())


class FeedTokenSchema(Schema):
    token = fields.String()
    url = fields.String()
    webcal_url = fields.String()


class CaldavInSchema(Schema):
    url = fields.Url(required=True, schemes={"https", "http"}, require_tld=False,
                     validate=validate.Length(max=2000),
                     error_messages={**REQUIRED, "invalid": "URL http(s) invalide"})
    username = fields.String(required=True, validate=_line(200), error_messages=REQUIRED)
    password = fields.String(required=True, validate=[validate.Length(
        min=1, max=500, error="entre 1 et 500 caractères")], error_messages=REQUIRED,
        load_only=True)


class CaldavOutSchema(Schema):
    url = fields.String()
    username = fields.String()
    configured = fields.Boolean()


class BusyQuerySchema(Schema):
    start = fields.AwareDateTime(required=True, data_key="from", error_messages=AWARE)
    end = fields.AwareDateTime(required=True, data_key="to", error_messages=AWARE)

    @validates_schema
    def _range(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if end <= start:
            raise ValidationError("doit être postérieur à from", "to")
        if end - start > MAX_BUSY_RANGE:
            raise ValidationError(f"période de {MAX_BUSY_RANGE.days} jours au plus", "to")


class BusyPeriodSchema(Schema):
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    source = fields.String()


class BusyAnswerSchema(Schema):
    periods = fields.List(fields.Nested(BusyPeriodSchema))
    caldav = fields.String()
    caldav_error = fields.String(allow_none=True)

