"""Errors the use cases raise besides the domain's own."""

from __future__ import annotations


class Missing(Exception):
    """The row does not exist for this SPST (or belongs to another one: same answer).

    :param what: French name of the thing, e.g. ``"salarié"``.
    """

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} introuvable")
        self.what = what
