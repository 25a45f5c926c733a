"""Stored cases: the SPST's employers, employees and arrêts, behind an API key.

``bp`` is the parent of the feature blueprints (employers, employees, arrêts,
obligations): its ``before_request`` authenticates every one of their routes,
so none can be reached without a valid key, and each answers only for the
key's SPST.
"""

from __future__ import annotations

from flask import Blueprint

from services.scheduler.entrypoints.api import arrets, employees, employers, obligations
from services.scheduler.entrypoints.api.tenancy import authenticate, challenge

bp = Blueprint("cases", __name__)
bp.before_request(authenticate)
bp.after_request(challenge)
for feature in (employers, employees, arrets, obligations):
    bp.register_blueprint(feature.bp)
