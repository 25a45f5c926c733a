"""``/api/v1/settings`` and ``/api/v1/dashboard``: the SPST's own, not an employer's."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify

from services.scheduler.adapters.repository import KeyRepository
from services.scheduler.entrypoints import runtime
from services.scheduler.entrypoints.api.paging import load_body
from services.scheduler.entrypoints.api.tenancy import require_spst_key, tenant_cases
from services.scheduler.entrypoints.api.workflow_schemas import DashboardSchema, SettingsSchema
from services.scheduler.service_layer import dashboard, settings
from shared.openapi import documented
from shared.ratelimit import rate_limited

bp = Blueprint("spst_settings", __name__)
TAGS = ("réglages",)
schema = SettingsSchema()
FORBIDDEN = "Clé limitée à un employeur"


@bp.get("/api/v1/settings")
@documented("Lire les réglages du SPST", tags=TAGS, auth="api_key",
            responses={200: SettingsSchema, 403: FORBIDDEN})
@rate_limited("API_RATE_LIMIT")
def get_settings() -> Response:
    require_spst_key()
    with tenant_cases() as cases:
        return jsonify(schema.dump(settings.get_settings(KeyRepository(cases.session),
                                                         g.spst_id)))


@bp.patch("/api/v1/settings")
@documented("Modifier les réglages du SPST", tags=TAGS, request=SettingsSchema, auth="api_key",
            responses={200: SettingsSchema, 403: FORBIDDEN})
@rate_limited("API_RATE_LIMIT")
def update_settings() -> Response:
    require_spst_key()
    changes = load_body(schema, partial=True)
    with tenant_cases() as cases:
        spst = settings.update_settings(KeyRepository(cases.session), g.spst_id, changes)
        return jsonify(schema.dump(spst))


@bp.get("/api/v1/dashboard")
@documented("Tableau de bord du planificateur : à venir, à risque, en retard", tags=TAGS,
            auth="api_key", responses={200: DashboardSchema, 403: FORBIDDEN})
@rate_limited("API_RATE_LIMIT")
def get_dashboard() -> Response:
    require_spst_key()
    with tenant_cases() as cases:
        view = dashboard.planner_view(cases.session, g.spst_id, runtime.now())
        return jsonify(DashboardSchema().dump(view))
