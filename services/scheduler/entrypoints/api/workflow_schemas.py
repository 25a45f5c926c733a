"""Marshmallow schemas of the workflows API: procedures, answers, appointments, settings."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.scheduler.entrypoints.api.fields import Int, StrictSchema, Text, choice

MODES = ("in_person", "remote")
Messages = dict[str, str | list[Any] | dict[Any, Any]]
AWARE: Messages = {"invalid": "date et heure ISO 8601 attendues (ex. 2026-03-10T09:00:00+01:00)",
         "invalid_awareness": "date et heure avec fuseau horaire attendues "
                              "(ex. 2026-03-10T09:00:00+01:00)",
         "required": "champ obligatoire", "null": "ne peut pas être null"}
BOOL: Messages = {"invalid": "booléen attendu (true ou false)", "required": "champ obligatoire",
        "null": "ne peut pas être null"}


def _bool(**kwargs: Any) -> fields.Boolean:
    return fields.Boolean(truthy={True}, falsy={False}, error_messages=BOOL, **kwargs)


class SlotSchema(Schema):
    id = fields.Integer()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    status = fields.String()


class ProcedureSchema(Schema):
    """A procedure as the API shows it."""

    id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    employee_id = fields.Integer()
    employer_id = fields.Integer()
    anchor = fields.Date()
    initiated_by = fields.String(allow_none=True)
    requested_on = fields.Date(allow_none=True)
    spst_notified_on = fields.Date(allow_none=True)
    window_start = fields.Date(allow_none=True)
    window_end = fields.Date(allow_none=True)
    deadline = fields.Date(allow_none=True)
    starts_at = fields.AwareDateTime(allow_none=True)
    ends_at = fields.AwareDateTime(allow_none=True)
    mode = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    video_url = fields.String(allow_none=True)
    calendar_uid = fields.String(allow_none=True)
    sequence = fields.Integer()
    referent_handicap_consent = fields.Boolean()
    share_with_employer = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    slots = fields.List(fields.Nested(SlotSchema))


class ProcedureListSchema(Schema):
    items = fields.List(fields.Nested(ProcedureSchema))


class OpenLiaisonSchema(StrictSchema):
    initiated_by = choice(("employer", "employee", "spst"), load_default="employer")


class AnswerSchema(StrictSchema):
    accept = _bool(required=True, metadata={"description": "true : le salarié accepte ou "
                                                           "demande ; false : il refuse"})
    via = choice(("link", "sms", "api"), load_default="api")


class AppointmentSchema(StrictSchema):
    starts_at = fields.AwareDateTime(required=True, error_messages=AWARE)
    mode = choice(MODES, load_default="in_person")
    location = Text(load_default=None, allow_none=True,
                    validate=validate.Length(max=500, error="{max} caractères au plus"))
    video_url = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"},
                           error_messages={"invalid": "URL http(s) invalide"})


class RescheduleSchema(AppointmentSchema):
    mode = choice(MODES, load_default=None, allow_none=True)


class ConsentSchema(StrictSchema):
    referent_handicap = _bool(load_default=None, allow_none=True)
    share_with_employer = _bool(load_default=None, allow_none=True)


class PreRepriseSchema(StrictSchema):
    share_with_employer = _bool(load_default=False)


class SettingsSchema(StrictSchema):
    """The SPST's settings of the workflows."""

    planning_email = fields.Email(allow_none=True, validate=validate.Length(max=254),
                                  error_messages={"invalid": "adresse e-mail invalide"})
    calendar_planner_id = Int(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    mid_career_combined_window = _bool()
    mid_career_notify_employee = _bool()
    spst_attends_liaison = _bool()
    office_opens = Int(validate=validate.Range(min=0, max=1439, error="de 0 à 1439 minutes"))
    office_closes = Int(validate=validate.Range(min=1, max=1440, error="de 1 à 1440 minutes"))
    meeting_minutes = Int(validate=validate.Range(min=15, max=240, error="de 15 à 240 minutes"))


class ReplySchema(StrictSchema):
    """``POST /internal/v1/replies`` (from the notifier)."""

    phone = Text(required=True, validate=validate.Length(min=4, max=20))
    answer = choice(("yes", "no"), required=True)
    received_at = fields.AwareDateTime(load_default=None, allow_none=True, error_messages=AWARE)
    idempotency_key = Text(required=True, validate=validate.Length(min=8, max=200))


class ReplyAnswerSchema(Schema):
    status = fields.String()
    procedure_id = fields.Integer(allow_none=True)


class DashboardRowSchema(Schema):
    procedure_id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    employee_id = fields.Integer()
    employee_name = fields.String()
    employer_name = fields.String()
    starts_at = fields.AwareDateTime(allow_none=True)
    deadline = fields.Date(allow_none=True)


class DashboardSchema(Schema):
    upcoming = fields.List(fields.Nested(DashboardRowSchema))
    at_risk = fields.List(fields.Nested(DashboardRowSchema))
    overdue = fields.List(fields.Nested(DashboardRowSchema))
