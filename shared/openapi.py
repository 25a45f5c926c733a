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
) -> Callable[[F], F]:
    """Attach an OpenAPI operation to a view function.

    :param responses: status -> marshmallow schema, or a description string.
    :param auth: ``"service"`` (bearer service token), ``"api_key"`` or None.
    """

    def decorate(view: F) -> F:
        view._openapi = {  # type: ignore[attr-defined]
            "summary": summary, "tags": tags, "request": request,
            "responses": responses or {200: "OK"}, "auth": auth,
            "content_type": content_type, "parameters": parameters or [],
        }
        return view

    return decorate


def _schema_ref(schema: type[Schema] | Schema) -> Any:
    return schema if isinstance(schema, Schema) else schema()


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
             "schema": {"type": "integer" if "int:" in rule.rule else "string"}}
            for name in rule.arguments
        ]
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op: dict[str, Any] = {
                "summary": meta["summary"], "tags": list(meta["tags"]),
                "parameters": params + meta["parameters"],
                "responses": {},
            }
            if meta["request"] is not None and method in ("POST", "PUT", "PATCH"):
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _schema_ref(meta["request"])}},
                }
            for status, answer in meta["responses"].items():
                if isinstance(answer, str):
                    op["responses"][str(status)] = {"description": answer}
                else:
                    op["responses"][str(status)] = {
                        "description": "OK" if status < 300 else "Erreur",
                        "content": {meta["content_type"]: {"schema": _schema_ref(answer)}},
                    }
            if any(s >= 400 for s in meta["responses"]) or meta["request"] is not None:
                op["responses"].setdefault(
                    "422", {"description": "Entrée invalide",
                            "content": {"application/json": {"schema": "Error"}}}
                )
            if meta["auth"]:
                op["security"] = [{meta["auth"]: []}]
                op["responses"].setdefault("401", {"description": "Non authentifié"})
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return spec.to_dict()
