"""The public rules calculator (placeholder until the calculator lands)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluate", __name__)
