"""Field types every scheduler request schema shares.

Dates are strictly ``YYYY-MM-DD`` within sane bounds, integers are integers
(not strings, booleans or floats), lists are bounded before their elements
are read, and request schemas refuse unknown fields. Messages are French.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import RAISE, Schema, fields, validate
from marshmallow.types import ErrorMessages

from services.scheduler.domain.rules import REGIONS

PARIS = ZoneInfo("Europe/Paris")
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_ABSENCES = 100
MAX_HEADCOUNT = 1_000_000
MIN_BRANCH_AGE, MAX_BRANCH_AGE = 18, 70
MAX_ESSAI_DAYS = 28
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_COMMON_MESSAGES: ErrorMessages = {
    "required": "champ obligatoire",
    "null": "ne peut pas être null",
    "validator_failed": "valeur invalide",
}


def today_in_paris(now: dt.datetime | None = None) -> dt.date:
    """The date in Europe/Paris at ``now`` (default: this instant): the default ``as_of``.

    :param now: an aware instant, for tests.
    """
    return (now or dt.datetime.now(dt.UTC)).astimezone(PARIS).date()


# -- fields -------------------------------------------------------------------


class Day(fields.Date):
    """A date written exactly ``YYYY-MM-DD``, between 1900 and 2100.

    Python's ``date.fromisoformat`` alone would also take ``20250101`` or
    ``2025-W01-1``: the pattern is checked first so that clients learn the one
    format the contract promises.
    """

    default_error_messages: ErrorMessages = {  # noqa: RUF012 (marshmallow's API)
        **_COMMON_MESSAGES,
        "invalid": "date attendue au format AAAA-MM-JJ (par exemple 2025-04-07)",
        "nonexistent": "la date {input} n'existe pas",
        "range": f"date hors de la plage acceptée ({MIN_DATE} à {MAX_DATE})",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> dt.date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise self.make_error("nonexistent", input=value) from exc
        if not MIN_DATE <= day <= MAX_DATE:
            raise self.make_error("range")
        return day


class Int(fields.Integer):
    """A JSON integer: no string, no boolean, no float (``14.0`` included)."""

    default_error_messages: ErrorMessages = {  # noqa: RUF012 (marshmallow's API)
        **_COMMON_MESSAGES, "invalid": "nombre entier attendu"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


class Text(fields.String):
    """A JSON string."""

    default_error_messages: ErrorMessages = {  # noqa: RUF012 (marshmallow's API)
        **_COMMON_MESSAGES,
        "invalid": "chaîne de caractères attendue",
        "invalid_utf8": "chaîne de caractères UTF-8 attendue",
    }


class Object(fields.Nested):
    """A nested JSON object loaded by its own schema."""

    default_error_messages: ErrorMessages = {  # noqa: RUF012 (marshmallow's API)
        **_COMMON_MESSAGES, "type": "objet JSON attendu"}


class BoundedList(fields.List[Any]):
    """A JSON array of at most ``max_items`` elements.

    The length is checked *before* any element is loaded, so that thousands of
    elements cost one comparison and answer one error naming the list.
    """

    default_error_messages: ErrorMessages = {  # noqa: RUF012 (marshmallow's API)
        **_COMMON_MESSAGES,
        "invalid": "liste attendue",
        "too_long": "au plus {max} éléments",
    }

    def __init__(self, inner: fields.Field[Any], *, max_items: int, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(max=max_items))  # documents maxItems
        super().__init__(inner, **kwargs)
        self.max_items = max_items

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> list[Any]:
        if isinstance(value, list) and len(value) > self.max_items:
            raise self.make_error("too_long", max=self.max_items)
        return super()._deserialize(value, attr, data, **kwargs)


def choice(choices: tuple[str, ...], **kwargs: Any) -> Text:
    return Text(validate=validate.OneOf(
        choices, error="valeur {input!r} inconnue ; valeurs possibles : {choices}"), **kwargs)


def region(**kwargs: Any) -> Text:
    return choice(tuple(sorted(REGIONS)), load_default="national", metadata={
        "description": "calendrier des jours fériés ; national par défaut"}, **kwargs)


class StrictSchema(Schema):
    """A request schema: unknown fields are refused, so typos are never ignored."""

    class Meta:
        unknown = RAISE

    error_messages: dict[str, str] = {  # noqa: RUF012 (marshmallow's API)
        "type": "objet JSON attendu", "unknown": "champ inconnu"}
