"""Use-case failures answered as the shared JSON errors."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from sqlalchemy.exc import IntegrityError

from services.calendar.service_layer.errors import CalendarError
from shared.errors import ApiError


def register(app: Flask) -> None:
    @app.errorhandler(CalendarError)
    def _calendar_error(exc: CalendarError) -> tuple[Response, int]:
        error = ApiError(exc.status, exc.code, exc.message, exc.field)
        return jsonify(error.to_dict()), exc.status

    @app.errorhandler(IntegrityError)
    def _race(exc: IntegrityError) -> tuple[Response, int]:
        # Two requests created the same UID at once: the loser may simply retry.
        error = ApiError(409, "conflict", "modification concurrente, réessayez")
        return jsonify(error.to_dict()), 409
