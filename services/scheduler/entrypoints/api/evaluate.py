"""The public rules calculator: ``POST /api/v1/evaluate`` and its two helpers.

Stateless and keyless (but rate-limited): each route reads the JSON body,
loads it with its schema into domain values, asks the pure rules module, and
dumps the answer. The contract is ``docs/evaluate-api.md``; the rules are
``docs/rules.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, Response, jsonify

from services.scheduler.domain.rules import (
    InvalidSituation,
    crpe_latest_end,
    essai_encadre_end,
    evaluate,
)
from services.scheduler.entrypoints.api.evaluate_schemas import (
    CrpeRequestSchema,
    CrpeResultSchema,
    EssaiEncadreRequestSchema,
    EssaiEncadreResultSchema,
    EvaluateRequestSchema,
    EvaluationSchema,
)
from shared.errors import ApiError
from shared.openapi import documented
from shared.ratelimit import rate_limited
from shared.web import json_body

bp = Blueprint("evaluate", __name__)

TAGS = ("calculateur",)
# 422 is added by shared.openapi with the Error schema.
ERRORS = {
    400: "JSON illisible",
    413: "Requête trop volumineuse",
    415: "Le corps n'est pas du JSON",
    429: "Trop de requêtes : réessayer après `Retry-After` secondes",
}

_evaluate_request = EvaluateRequestSchema()
_evaluation = EvaluationSchema()
_essai_request = EssaiEncadreRequestSchema()
_essai_result = EssaiEncadreResultSchema()
_crpe_request = CrpeRequestSchema()
_crpe_result = CrpeResultSchema()


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn the rules' :class:`InvalidSituation` into a 422 naming the field.

    :raises ApiError: 422 ``invalid_input``, shaped like a validation error.
    """
    try:
        yield
    except InvalidSituation as exc:
        field = exc.field or "body"
        raise ApiError(422, "invalid_input", f"{field} : {exc.message}", field,
                       [{"field": field, "message": exc.message}]) from exc


@bp.post("/api/v1/evaluate")
@documented("Toutes les obligations et fenêtres de dates d'une situation", tags=TAGS,
            request=EvaluateRequestSchema, responses={200: EvaluationSchema, **ERRORS})
@rate_limited("EVALUATE_RATE_LIMIT")
def evaluate_situation() -> Response:
    """Evaluate a situation: liaison meeting, reprise, pré-reprise, mi-carrière, inaptitude."""
    with domain_errors():
        situation = _evaluate_request.load(json_body())
        evaluation = evaluate(situation)
    return jsonify(_evaluation.dump(evaluation))


@bp.post("/api/v1/evaluate/essai-encadre")
@documented("Dernier jour d'un essai encadré (en jours ouvrables)", tags=TAGS,
            request=EssaiEncadreRequestSchema,
            responses={200: EssaiEncadreResultSchema, **ERRORS})
@rate_limited("EVALUATE_RATE_LIMIT")
def essai_encadre() -> Response:
    """The ``days``-th jour ouvrable of an essai encadré, ``start`` counting as day 1."""
    with domain_errors():
        given = _essai_request.load(json_body())
        end = essai_encadre_end(given["start"], given["days"], given["region"])
    return jsonify(_essai_result.dump(
        {"start": given["start"], "end": end, "days": given["days"]}))


@bp.post("/api/v1/evaluate/crpe")
@documented("Dernier jour possible d'une CRPE", tags=TAGS, request=CrpeRequestSchema,
            responses={200: CrpeResultSchema, **ERRORS})
@rate_limited("EVALUATE_RATE_LIMIT")
def crpe() -> Response:
    """The last day a CRPE may run after ``prior_absence``, and its maximum length."""
    with domain_errors():
        given = _crpe_request.load(json_body())
        latest_end, months = crpe_latest_end(given["start"], given["prior_absence"])
    return jsonify(_crpe_result.dump({"latest_end": latest_end, "months": months}))
