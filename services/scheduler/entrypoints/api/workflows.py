"""The workflows API: procedures, settings and dashboard, behind an API key.

Like ``cases.bp``, its ``before_request`` authenticates every route, so none
can be reached without a valid key, and each answers only for the key's SPST
(and, for an employer-scoped key, only for its employer).
"""

from __future__ import annotations

from flask import Blueprint

from services.scheduler.entrypoints.api import procedures, spst_settings
from services.scheduler.entrypoints.api.tenancy import authenticate, challenge

bp = Blueprint("workflows", __name__)
bp.before_request(authenticate)
bp.after_request(challenge)
for feature in (procedures, spst_settings):
    bp.register_blueprint(feature.bp)
