"""Marshmallow schemas of the public rules calculator (``/api/v1/evaluate``).

Request schemas load the contract's JSON (``docs/evaluate-api.md``) into the
domain's :class:`~services.scheduler.domain.rules.Situation` and friends; they
refuse unknown fields, loose types and absurd sizes with a French message and
the JSON path of the offending field. Response schemas dump the domain's
answers into exactly the contract's shape, in the contract's key order, and
nothing more: :class:`EvaluationSchema` is also what
``GET /api/v1/employees/{id}/obligations`` answers.

Bounds that are ours, not the law's (they only keep the input sane):
dates from 1900-01-01 to 2100-12-31, at most :data:`MAX_ABSENCES` arrêts,
``employer.headcount`` from 0 to :data:`MAX_HEADCOUNT`, ``employee.branch_age``
from :data:`MIN_BRANCH_AGE` to :data:`MAX_BRANCH_AGE`.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.scheduler.domain.rules import Absence, Cause, Situation
from services.scheduler.entrypoints.api.fields import (
    MAX_ABSENCES,
    MAX_BRANCH_AGE,
    MAX_ESSAI_DAYS,
    MAX_HEADCOUNT,
    MIN_BRANCH_AGE,
    BoundedList,
    Day,
    Int,
    Object,
    StrictSchema,
    choice,
    region,
    today_in_paris,
)

# -- requests -----------------------------------------------------------------


class AbsenceInputSchema(StrictSchema):
    """One arrêt: its cause, first and last day (inclusive), ``end >= start``."""

    cause = choice(tuple(c.value for c in Cause), required=True)
    start = Day(required=True, metadata={"description": "premier jour de l'arrêt"})
    end = Day(required=True, metadata={"description": "dernier jour de l'arrêt, inclus"})

    @validates_schema
    def _end_not_before_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError(
                "la fin de l'arrêt (dernier jour, inclus) précède son début", "end")

    @post_load
    def _to_absence(self, data: dict[str, Any], **kwargs: Any) -> Absence:
        return Absence(cause=Cause(data["cause"]), start=data["start"], end=data["end"])


class EmployerInputSchema(StrictSchema):
    """What the calculator needs to know of the employer."""

    headcount = Int(load_default=None, validate=validate.Range(
        min=0, max=MAX_HEADCOUNT, error="effectif entre {min} et {max} attendu"),
        metadata={"description": "effectif, pour la règle du référent handicap"})


class EmployeeInputSchema(StrictSchema):
    """What the calculator needs to know of the employee (nothing medical)."""

    birth_date = Day(load_default=None, metadata={
        "description": "date de naissance, pour la visite de mi-carrière"})
    branch_age = Int(validate=validate.Range(
        min=MIN_BRANCH_AGE, max=MAX_BRANCH_AGE, error="âge entre {min} et {max} ans attendu"),
        metadata={"description": "âge de la visite de mi-carrière fixé par l'accord de "
                                 "branche ; 45 par défaut"})


class LiaisonInputSchema(StrictSchema):
    """The liaison meeting's request day ``T0`` and SPST notice day ``N``."""

    requested_on = Day(load_default=None, metadata={
        "description": "T0 : jour où le salarié a demandé ou accepté le rendez-vous"})
    spst_notified_on = Day(load_default=None, metadata={
        "description": "N : jour où le SPST a été prévenu ; T0 par défaut"})

    @validates_schema
    def _notice_needs_a_request(self, data: dict[str, Any], **kwargs: Any) -> None:
        # N alone would be silently ignored: say so rather than answer without a window.
        if data["spst_notified_on"] is not None and data["requested_on"] is None:
            raise ValidationError(
                "obligatoire quand spst_notified_on est donné (le SPST est prévenu d'une "
                "demande de rendez-vous)", "requested_on")


class EvaluateRequestSchema(StrictSchema):
    """``POST /api/v1/evaluate``: a situation, loaded into a domain ``Situation``.

    Optional fields without a default accept ``null`` as "not given"; fields
    with a default (``as_of``, ``region``, ``absences``) must be omitted
    instead.
    """

    as_of = Day(load_default=today_in_paris, metadata={
        "description": "jour de la question ; aujourd'hui (Europe/Paris) par défaut"})
    region = region()
    employer = Object(EmployerInputSchema, load_default=None)
    employee = Object(EmployeeInputSchema, load_default=None)
    absences = BoundedList(Object(AbsenceInputSchema), max_items=MAX_ABSENCES, load_default=list)
    return_date = Day(load_default=None, metadata={
        "description": "premier jour effectivement travaillé après l'arrêt en cours"})
    liaison = Object(LiaisonInputSchema, load_default=None)
    inaptitude_opinion_on = Day(load_default=None, metadata={
        "description": "jour de l'avis d'inaptitude"})

    @post_load
    def _to_situation(self, data: dict[str, Any], **kwargs: Any) -> Situation:
        given: dict[str, Any] = {
            "as_of": data["as_of"],
            "region": data["region"],
            "absences": tuple(data["absences"]),
            "return_date": data["return_date"],
            "inaptitude_opinion_on": data["inaptitude_opinion_on"],
        }
        employer = data["employer"] or {}
        employee = data["employee"] or {}
        liaison = data["liaison"] or {}
        given["headcount"] = employer.get("headcount")
        given["birth_date"] = employee.get("birth_date")
        if "branch_age" in employee:  # otherwise the domain's default (45) applies
            given["branch_age"] = employee["branch_age"]
        given["liaison_requested_on"] = liaison.get("requested_on")
        given["liaison_spst_notified_on"] = liaison.get("spst_notified_on")
        return Situation(**given)


class EssaiEncadreRequestSchema(StrictSchema):
    """``POST /api/v1/evaluate/essai-encadre``."""

    start = Day(required=True, metadata={"description": "premier jour de l'essai"})
    days = Int(load_default=14, validate=validate.Range(
        min=1, max=MAX_ESSAI_DAYS,
        error="nombre de jours ouvrables entre {min} et {max} attendu : un essai encadré "
              "dure 14 jours ouvrables, renouvelable une fois, soit 28 jours ouvrables au "
              "plus (CSS L.323-3-1)"),
        metadata={"description": "durée en jours ouvrables ; 14 par défaut, 28 au plus"})
    region = region()


class CrpeRequestSchema(StrictSchema):
    """``POST /api/v1/evaluate/crpe``."""

    start = Day(required=True, metadata={"description": "premier jour de la CRPE"})
    prior_absence = Object(AbsenceInputSchema, required=True, metadata={
        "description": "l'arrêt qui a précédé la CRPE"})


# -- responses ----------------------------------------------------------------


class WindowSchema(Schema):
    """A date window, both bounds inclusive (``earliest`` may follow ``latest``)."""

    earliest = fields.Date(required=True)
    latest = fields.Date(required=True)


class CurrentAbsenceSchema(Schema):
    """The current chain of arrêts."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
    days = fields.Integer(required=True)
    cause = fields.String(required=True)


class LiaisonMeetingSchema(Schema):
    """Rendez-vous de liaison (C. trav. L.1226-1-3, D.1226-8-1)."""

    eligible = fields.Boolean(required=True)
    basis = fields.String(required=True, allow_none=True,
                          metadata={"enum": ["continuous", "discontinuous", None]})
    eligible_from = fields.Date(required=True, allow_none=True)
    window = fields.Nested(WindowSchema, required=True, allow_none=True)
    window_status = fields.String(required=True, allow_none=True,
                                  metadata={"enum": ["open", "impossible", None]})
    non_working_days = fields.List(fields.Date(), required=True)


class RepriseVisitSchema(Schema):
    """Visite de reprise (C. trav. R.4624-31 to -33)."""

    required = fields.Boolean(required=True)
    rule = fields.String(required=True, allow_none=True)
    window = fields.Nested(WindowSchema, required=True, allow_none=True)
    inform_physician = fields.Boolean(required=True)


class PreRepriseVisitSchema(Schema):
    """Visite de pré-reprise (C. trav. L.4624-2-4)."""

    eligible = fields.Boolean(required=True)
    eligible_from = fields.Date(required=True, allow_none=True)


class MidCareerVisitSchema(Schema):
    """Visite de mi-carrière (C. trav. L.4624-2-2)."""

    window = fields.Nested(WindowSchema, required=True, allow_none=True)
    combined_window = fields.Nested(WindowSchema, required=True, allow_none=True)


class InaptitudeSchema(Schema):
    """What follows an inaptitude opinion."""

    salary_resumes_on = fields.Date(required=True)


class RuleWarningSchema(Schema):
    """Something the reader must know: a stable code and a French sentence."""

    code = fields.String(required=True)
    message = fields.String(required=True)


class EvaluationSchema(Schema):
    """Every obligation and window derived from a situation (the contract's shape)."""

    current_absence = fields.Nested(CurrentAbsenceSchema, required=True, allow_none=True)
    liaison_meeting = fields.Nested(LiaisonMeetingSchema, required=True)
    reprise_visit = fields.Nested(RepriseVisitSchema, required=True)
    pre_reprise_visit = fields.Nested(PreRepriseVisitSchema, required=True)
    mid_career_visit = fields.Nested(MidCareerVisitSchema, required=True)
    inaptitude = fields.Nested(InaptitudeSchema, required=True, allow_none=True)
    warnings = fields.List(fields.Nested(RuleWarningSchema), required=True)


class EssaiEncadreResultSchema(Schema):
    """The end of an essai encadré: the ``days``-th jour ouvrable."""

    start = fields.Date(required=True)
    end = fields.Date(required=True)
    days = fields.Integer(required=True)


class CrpeResultSchema(Schema):
    """The last day a CRPE may run (inclusive) and the maximum length applied."""

    latest_end = fields.Date(required=True)
    months = fields.Integer(required=True)
