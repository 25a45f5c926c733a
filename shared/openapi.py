"""OpenAPI documents built from the routes themselves.

A view declares its contract with :func:`documented`; :func:`build_spec` walks
the app's URL map once, at start, and turns those declarations and their
marshmallow schemas into an OpenAPI 3 document. ``/api/v1/docs`` renders it as
a plain page (no script from elsewhere, so it works offline and under a strict
content security policy).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

F = TypeVar("F", bound=Callable[..., Any])
_CONVERTER = re.compile(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def documented(
    summary: str, *, tags: tuple[str, ...] = (), request: type[Schema] | Schema | None = None,
    responses: dict[int, Any] | None = None, auth: str | None = None,
    content_type: str = "application/json", parameters: list[dict[str, Any]] | None = None,
    request_content_type: str = "application/json",
) -> Callable[[F], F]:
    """Attach an OpenAPI operation to a view function.

    :param responses: status -> marshmallow schema, or a description string.
        Error statuses are always documented with the shared ``Error`` body.
    :param auth: ``"service"`` (bearer service token), ``"api_key"`` or None.
    :param content_type: media type of the success answers.
    :param request_content_type: media type of the request body, e.g.
        ``application/x-www-form-urlencoded`` for a signed form post.
    """

    def decorate(view: F) -> F:
        view._openapi = {  # type: ignore[attr-defined]
            "summary": summary, "tags": tags, "request": request,
            "responses": responses or {200: "OK"}, "auth": auth,
            "content_type": content_type, "parameters": parameters or [],
            "request_content_type": request_content_type,
        }
        return view

    return decorate


def _schema_ref(schema: type[Schema] | Schema) -> Any:
    return schema if isinstance(schema, Schema) else schema()


#: Statuses whose answers have no body at all.
EMPTY_STATUSES = frozenset({204, 304})


def _response(status: int, answer: Any, content_type: str) -> dict[str, Any]:
    """One documented response.

    Errors (4xx, 5xx) are always JSON ``Error`` bodies, whatever the route's own
    content type (an ICS route answers its errors in JSON too). A success given
    as a schema is described by it; one given as a text is bodiless (204,
    304), or a plain string in the route's non-JSON content type (ICS, TwiML).
    """
    if status >= 400:
        described = answer if isinstance(answer, str) else "Erreur"
        content: Any = {"application/json": {"schema": "Error"}}
        return {"description": described, "content": content}
    if not isinstance(answer, str):
        return {"description": "OK",
                "content": {content_type: {"schema": _schema_ref(answer)}}}
    if status in EMPTY_STATUSES or content_type == "application/json":
        return {"description": answer}
    return {"description": answer, "content": {content_type: {"schema": {"type": "string"}}}}


def _implied_errors(meta: dict[str, Any], *, body: bool, query: bool,
                    rate_limited: bool) -> dict[int, str]:
    """The errors a route may answer because of how it is built, not what it does.

    Any body can be too large (413, ``MAX_CONTENT_LENGTH``); a JSON body can
    also be unreadable (400), of another media type (415) or invalid (422);
    query parameters can be invalid (422); a rate-limited route answers 429
    with ``Retry-After``; an authenticated one 401. The view's own texts, when
    given, win.
    """
    errors: dict[int, str] = {}
    json_request = meta["request_content_type"] == "application/json"
    if body:
        errors[413] = "Requête trop volumineuse"
    if body and json_request:
        errors |= {400: "JSON illisible",
                   415: "Le corps n'est pas du JSON (Content-Type: application/json attendu)"}
    if json_request and (body or query or any(s >= 400 for s in meta["responses"])):
        errors[422] = "Entrée invalide : error.field nomme le champ"
    if meta["auth"]:
        errors[401] = "Non authentifié"
    if rate_limited:
        errors[429] = "Trop de requêtes : réessayer après `Retry-After` secondes"
    return errors


def _path_schema(rule: str, name: str) -> dict[str, Any]:
    """An ``<int:...>`` segment matches digits only: a non-negative integer."""
    if f"<int:{name}>" in rule:
        return {"type": "integer", "minimum": 0}
    return {"type": "string"}


def build_spec(
    app: Flask, title: str, version: str = "1.0.0", description: str = ""
) -> dict[str, Any]:
    """Build the OpenAPI document of every documented route of ``app``."""
    spec = APISpec(
        title=title, version=version, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()], info={"description": description},
    )
    spec.components.schema("Error", ERROR_SCHEMA)
    spec.components.security_scheme("service", {"type": "http", "scheme": "bearer"})
    spec.components.security_scheme("api_key", {"type": "http", "scheme": "bearer"})
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        meta = getattr(app.view_functions[rule.endpoint], "_openapi", None)
        if meta is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = [
            {"name": name, "in": "path", "required": True,
             "schema": _path_schema(rule.rule, name)}
            for name in sorted(rule.arguments)
        ]
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "summary": meta["summary"], "tags": list(meta["tags"]),
                "parameters": params + meta["parameters"],
                "responses": {},
            }
            body = meta["request"] is not None and method in ("POST", "PUT", "PATCH")
            if body:
                op["requestBody"] = {
                    "required": True,
                    "content": {meta["request_content_type"]: {
                        "schema": _schema_ref(meta["request"])}},
                }
            for status, answer in meta["responses"].items():
                op["responses"][str(status)] = _response(status, answer, meta["content_type"])
            view = app.view_functions[rule.endpoint]
            for status, text in _implied_errors(
                meta, body=body, query=any(p["in"] == "query" for p in meta["parameters"]),
                rate_limited=getattr(view, "_rate_limit_setting", None) is not None,
            ).items():
                op["responses"].setdefault(str(status), _response(status, text, ""))
            op["responses"] = dict(sorted(op["responses"].items()))
            if meta["auth"]:
                op["security"] = [{meta["auth"]: []}]
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()
