"""JSON errors: every failure answers ``{"error": {...}}`` with a clear status.

Bad input names the offending field, in the request's own JSON path
(``absences[2].end``); unexpected failures answer a bare 500 without details.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client can act on.

    :param status: HTTP status (4xx).
    :param code: stable machine code, e.g. ``invalid_input``.
    :param message: French sentence for people.
    :param field: JSON path of the offending field, when there is one.
    """

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.details = details or []

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return {"error": body}


class NotFound(ApiError):
    def __init__(self, what: str = "ressource") -> None:
        super().__init__(404, "not_found", f"{what} introuvable")


def flatten_messages(messages: Any, path: str = "") -> list[dict[str, str]]:
    """Turn marshmallow's nested error dict into ``[{"field", "message"}]``.

    List indexes become ``[i]``; ``_schema`` errors keep the parent path.
    """
    found: list[dict[str, str]] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            found += flatten_messages(value, child)
    elif isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            found += [{"field": path or "body", "message": m} for m in messages]
        else:
            for item in messages:
                found += flatten_messages(item, path)
    else:
        found.append({"field": path or "body", "message": str(messages)})
    return found


def validation_error(exc: ValidationError) -> ApiError:
    details = flatten_messages(exc.messages)
    first = details[0] if details else {"field": "body", "message": "entrée invalide"}
    return ApiError(
        422, "invalid_input", f"{first['field']} : {first['message']}", first["field"], details
    )


FRENCH_MESSAGES = {
    400: "requête invalide",
    401: "authentification requise",
    403: "accès refusé",
    404: "ressource introuvable",
    405: "méthode non autorisée pour cette adresse",
    406: "format de réponse non disponible",
    409: "conflit avec l'état actuel",
    410: "ce lien n'est plus valable",
    413: "requête trop volumineuse",
    415: "type de contenu non pris en charge",
    422: "entrée invalide",
    429: "trop de requêtes",
    500: "erreur interne",
    503: "service momentanément indisponible",
}


def register_error_handlers(app: Flask) -> None:
    """Answer JSON for every error, including the ones Werkzeug raises."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return jsonify(exc.to_dict()), exc.status

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> tuple[Response, int]:
        err = validation_error(exc)
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> WerkzeugResponse:
        code = (exc.name or "error").lower().replace(" ", "_")
        body: dict[str, dict[str, str]] = {
            "error": {"code": code, "message": FRENCH_MESSAGES.get(exc.code or 0, exc.name)}
        }
        if exc.code == 413:
            body["error"]["field"] = "body"
        if exc.code == 429:
            body["error"]["message"] = (
                f"trop de requêtes (limite : {exc.description}) ; réessayez après le délai "
                "indiqué par l'en-tête Retry-After"
            )
        response = exc.get_response()
        response.data = jsonify(body).get_data()
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return jsonify({"error": {"code": "internal_error", "message": "erreur interne"}}), 500
