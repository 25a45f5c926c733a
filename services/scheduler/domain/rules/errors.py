"""The one error the rules raise: a situation the law cannot be applied to."""

from __future__ import annotations


class InvalidSituation(ValueError):
    """Domain-invalid input, named by the API's JSON path of the offending field.

    Raised for facts that are well-formed but make no sense together (an arrêt
    ending before it starts, an unknown region or cause, a return before the
    arrêt began), so that the API can answer a 4xx naming the field.

    :param field: JSON path as the API spells it, e.g. ``"absences[2].end"``.
    :param message: a French sentence saying what is wrong.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
