"""HTML error pages for people (the API answers JSON; the pages never do).

Every page blueprint sends its errors here: an expired link is a 410, a
tampered or unknown one a 404, a form sent without its token a 400, and an
unexpected failure a plain 500 page, all in French and in the site's layout.
Paths under the pages' prefixes that match no route (a 404 or 405 raised
before any blueprint is known) are caught at the app level and answered in
HTML too; every other path keeps the JSON answer of :mod:`shared.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PAGE_PREFIXES = ("/e/", "/l/", "/planner")

#: status -> (title, explanation), in French for the person reading the page.
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Demande invalide",
          "Le formulaire n'a pas pu être pris en compte. Rechargez la page puis recommencez."),
    403: ("Accès refusé", "Vous n'avez pas accès à cette page."),
    404: ("Lien introuvable",
          "Ce lien n'est pas valable. Vérifiez qu'il est complet, ou contactez "
          "votre service de prévention et de santé au travail."),
    405: ("Action impossible", "Cette action n'est pas possible depuis cette adresse."),
    410: ("Lien expiré",
          "Ce lien n'est plus valable : il a expiré ou a été remplacé par un plus récent. "
          "Contactez votre service de prévention et de santé au travail pour en recevoir un "
          "nouveau."),
    413: ("Envoi trop volumineux", "Les informations envoyées sont trop volumineuses."),
    429: ("Trop de tentatives",
          "Vous avez fait trop de demandes en peu de temps. Patientez une minute puis "
          "réessayez."),
    500: ("Erreur inattendue",
          "Une erreur inattendue s'est produite. Réessayez dans quelques instants."),
    503: ("Service indisponible",
          "Ce service est momentanément indisponible. Réessayez dans quelques instants."),
}


def error_page(status: int, message: str | None = None) -> tuple[str, int, dict[str, str]]:
    """The HTML answer for ``status``, with an optional more precise message."""
    title, default = MESSAGES.get(status, MESSAGES[400] if status < 500 else MESSAGES[500])
    body = render_template("pages/error.html", title=title, message=message or default,
                           status=status)
    return body, status, {"Cache-Control": "no-store"}


def _http_error(exc: HTTPException) -> Any:
    status = exc.code or 500
    response = error_page(status)
    if status == 429 or status == 405:
        # Keep Retry-After / Allow, which say what to do next.
        headers = dict(response[2])
        original = exc.get_response()
        for name in ("Retry-After", "Allow"):
            if name in original.headers:
                headers[name] = original.headers[name]
        return response[0], status, headers
    return response


def _unexpected(exc: Exception) -> Any:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unexpected error on page %s %s", request.method, request.path)
    return error_page(500)


def install_html_errors(blueprint: Blueprint) -> None:
    """Make ``blueprint`` answer its errors with HTML pages."""
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected)


def install_unrouted_pages(app: Flask) -> None:
    """Answer HTML for a 404 or 405 under the pages' prefixes, JSON elsewhere.

    These errors are raised by routing, before any blueprint is chosen, so the
    blueprints' handlers never see them. The app-level handler of
    :mod:`shared.errors` stays in charge of every other path.
    """
    json_handler = _registered_http_handler(app)

    def handle(exc: HTTPException) -> Any:
        if request.path.startswith(PAGE_PREFIXES):
            return _http_error(exc)
        return json_handler(exc) if json_handler is not None else exc

    app.register_error_handler(404, handle)
    app.register_error_handler(405, handle)


def _registered_http_handler(app: Flask) -> Callable[[HTTPException], Any] | None:
    handlers = app.error_handler_spec.get(None, {}).get(None, {})
    handler: Callable[[HTTPException], Any] | None = handlers.get(HTTPException)
    return handler
