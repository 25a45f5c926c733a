"""Errors of the case domain; the API turns them into 4xx answers."""

from __future__ import annotations


class CaseError(Exception):
    """A fact the case domain refuses.

    :param field: the input field at fault, in the API's own names.
    :param message: French sentence for people.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class InvalidValue(CaseError):
    """A value that is wrong in itself (bad checksum, impossible number)."""


class CaseConflict(CaseError):
    """A value that contradicts what is already stored (overlap, return date).

    :param code: stable machine code, e.g. ``arret_overlap``.
    """

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(field, message)
        self.code = code
