"""Reading requests and writing pages for the cases API."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import Schema

from services.scheduler.adapters.repository import Page
from shared.web import json_body


def load_body(schema: Schema, partial: bool = False) -> dict[str, Any]:
    """The JSON body loaded by ``schema``; unknown fields are refused (422)."""
    loaded: dict[str, Any] = schema.load(json_body(), partial=partial)
    return loaded


def load_query(schema: Schema) -> dict[str, Any]:
    """The query string loaded by ``schema`` (one value per parameter)."""
    loaded: dict[str, Any] = schema.load(request.args.to_dict())
    return loaded


def page_json(schema: Schema, page: Page[Any]) -> dict[str, Any]:
    """``{"items": [...], "next_cursor": "..." | null}``."""
    cursor = None if page.next_cursor is None else str(page.next_cursor)
    return {"items": schema.dump(page.items, many=True), "next_cursor": cursor}


def query_parameter(name: str, description: str, type_: str = "string",
                    **schema: Any) -> dict[str, Any]:
    """An OpenAPI query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": type_, **schema}}


PAGE_PARAMETERS = [
    query_parameter("limit", "taille de la page (50 par défaut, 200 au plus)", "integer",
                    minimum=1, maximum=200, default=50),
    query_parameter("cursor", "next_cursor de la page précédente"),
]
