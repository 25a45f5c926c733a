"""Failures of the calendar's use cases, each with the status the API answers."""

from __future__ import annotations


class CalendarError(Exception):
    """A use case refused: ``status``, a stable ``code``, a French message, a field."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class NotFound(CalendarError):
    status, code = 404, "not_found"


class Conflict(CalendarError):
    status, code = 409, "conflict"


class Invalid(CalendarError):
    status, code = 422, "invalid_input"
