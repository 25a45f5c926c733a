"""Marshmallow schemas of the stored cases (employers, employees, arrêts).

One schema per resource serves both ways: ``load`` for creation, ``load``
with ``partial=True`` for ``PATCH`` and ``dump`` for answers. Fields marked
``dump_only`` (ids, timestamps, the return date) are unknown to ``load``, so
sending them is refused like any other unknown field. Arrêts have no free
text at all: a cause category and two dates, nothing medical can be stored.

Field types and bounds are the calculator's (``evaluate_schemas``) so that one
date or integer means the same thing across the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.scheduler.adapters.orm import CAUSES, MAX_ID, REGIONS
from services.scheduler.domain.cases import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    normalize_siret,
)
from services.scheduler.entrypoints.api.fields import (
    MAX_BRANCH_AGE,
    MAX_HEADCOUNT,
    MIN_BRANCH_AGE,
    Day,
    Int,
    StrictSchema,
    Text,
)

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def _checked(normalize: Callable[[str], str]) -> Callable[[str], str]:
    """A field ``post_load`` step that turns the domain's refusal into a field error."""

    def step(value: str) -> str:
        try:
            return normalize(value)
        except InvalidValue as exc:
            raise ValidationError(exc.message) from exc

    return step


def _text(max_length: int, **kwargs: Any) -> Text:
    return Text(validate=validate.Length(
        min=1, max=max_length, error="de {min} à {max} caractères"),
        pre_load=[lambda v: v.strip() if isinstance(v, str) else v], **kwargs)


def _choice(choices: tuple[str, ...], **kwargs: Any) -> Text:
    return Text(validate=validate.OneOf(
        choices, error="valeur {input!r} inconnue ; valeurs possibles : {choices}"), **kwargs)


def _phone(**kwargs: Any) -> Text:
    return Text(allow_none=True, post_load=[_checked(normalize_phone)], metadata={
        "description": "numéro de téléphone, rendu au format E.164 (+33612345678) ; "
                       "un numéro national est compris comme français"}, **kwargs)


def _email(**kwargs: Any) -> Text:
    return Text(allow_none=True, post_load=[_checked(normalize_email)],
                validate=validate.Length(max=254, error="{max} caractères au plus"), **kwargs)


class EmployerSchema(StrictSchema):
    """An employer followed by the SPST, one per SIRET."""

    id = fields.Integer(dump_only=True)
    name = _text(200, required=True, metadata={"description": "raison sociale"})
    siret = Text(required=True, post_load=[_checked(normalize_siret)], metadata={
        "description": "14 chiffres, clé de Luhn vérifiée (exception de La Poste comprise)"})
    headcount = Int(required=True, validate=validate.Range(
        min=0, max=MAX_HEADCOUNT, error="effectif entre {min} et {max} attendu"),
        metadata={"description": "effectif, pour la règle du référent handicap"})
    region = _choice(REGIONS, metadata={"description": "calendrier des jours fériés ; "
                                                       "national par défaut"})
    mid_career_age = Int(validate=validate.Range(
        min=MIN_BRANCH_AGE, max=MAX_BRANCH_AGE, error="âge entre {min} et {max} ans attendu"),
        metadata={"description": "âge de la visite de mi-carrière selon l'accord de branche ; "
                                 "45 par défaut"})
    contact_email = _email()
    contact_phone = _phone()
    referent_handicap_email = _email(metadata={
        "description": "adresse du référent handicap de l'entreprise : invité au rendez-vous "
                       "de liaison seulement si le salarié y consent et si l'effectif atteint "
                       "250 salariés"})
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class EmployeeSchema(StrictSchema):
    """An employee of one of the SPST's employers; a phone or an e-mail is required."""

    id = fields.Integer(dump_only=True)
    employer_id = Int(required=True, validate=validate.Range(
        min=1, max=MAX_ID, error="identifiant invalide"))
    first_name = _text(100, required=True)
    last_name = _text(100, required=True)
    phone = _phone()
    email = _email()
    birth_date = Day(allow_none=True, metadata={"description": "pour la visite de mi-carrière"})
    return_date = fields.Date(dump_only=True, allow_none=True, metadata={
        "description": "premier jour travaillé après les derniers arrêts ; "
                       "voir POST /employees/{id}/return"})
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class EmployeeChangeSchema(EmployeeSchema):
    """``PATCH``: the employer is fixed at creation, the return date has its own route."""

    class Meta(EmployeeSchema.Meta):
        exclude = ("employer_id",)


class ArretSchema(StrictSchema):
    """An arrêt de travail: a cause category and its first and last day, inclusive.

    A prolongation is one more arrêt starting on or before the day after the
    previous one ends.
    """

    id = fields.Integer(dump_only=True)
    employee_id = fields.Integer(dump_only=True)
    cause = _choice(CAUSES, required=True)
    start = Day(required=True, metadata={"description": "premier jour de l'arrêt"})
    end = Day(required=True, metadata={"description": "dernier jour de l'arrêt, inclus"})
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)

    @validates_schema
    def _end_not_before_start(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("la fin de l'arrêt (dernier jour, inclus) précède son début",
                                  "end")


class ReturnSchema(StrictSchema):
    """``POST /employees/{id}/return``: the first day worked, or null to clear it."""

    return_date = Day(required=True, allow_none=True, metadata={
        "description": "premier jour effectivement travaillé après les derniers arrêts"})


def _query_int(**kwargs: Any) -> fields.Integer:
    """An integer query parameter (a string of digits)."""
    return fields.Integer(error_messages={"invalid": "nombre entier attendu"}, **kwargs)


class ListQuerySchema(StrictSchema):
    """``?limit=&cursor=``: keyset pagination, ``cursor`` being the previous ``next_cursor``."""

    limit = _query_int(load_default=DEFAULT_LIMIT, validate=validate.Range(
        min=1, max=MAX_LIMIT, error="entre {min} et {max}"))
    cursor = _query_int(load_default=None, validate=validate.Range(
        min=0, max=MAX_ID, error="curseur invalide"),
        metadata={"description": "next_cursor de la page précédente"})


class EmployeeListQuerySchema(ListQuerySchema):
    employer_id = _query_int(load_default=None, validate=validate.Range(
        min=1, max=MAX_ID, error="identifiant invalide"))


class ObligationsQuerySchema(StrictSchema):
    as_of = Day(load_default=None, metadata={
        "description": "jour de la question ; aujourd'hui (Europe/Paris) par défaut"})


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """The schema of one page of ``item``s (for the OpenAPI document)."""
    return Schema.from_dict({
        "items": fields.List(fields.Nested(item), required=True),
        "next_cursor": fields.String(required=True, allow_none=True),
    }, name=name)


EmployerPageSchema = page_schema(EmployerSchema, "EmployerPage")
EmployeePageSchema = page_schema(EmployeeSchema, "EmployeePage")
ArretPageSchema = page_schema(ArretSchema, "ArretPage")
