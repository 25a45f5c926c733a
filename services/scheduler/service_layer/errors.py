"""Errors the use cases raise besides the domain's own."""

from __future__ import annotations


class Missing(Exception):
    """The row does not exist for this SPST (or belongs to another one: same answer).

    :param what: French name of the thing, e.g. ``"salarié"``.
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable")
        self.what = what


class Forbidden(Exception):
    """The caller may not do this (an employer-scoped key asking for an SPST's action).

    :param field: the input field at fault, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
