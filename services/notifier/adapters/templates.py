"""Rendering the French message templates (Jinja2).

Templates live in ``services/notifier/templates``: ``sms/<kind>.txt``, and for
e-mail ``email/<kind>.subject.txt``, ``email/<kind>.txt`` and
``email/<kind>.html``. Undefined variables are errors (StrictUndefined), so a
missing piece of data is refused when the notification is requested, not
discovered in someone's inbox. HTML is autoescaped, text is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)

from services.notifier.domain.kinds import channels_of
from services.notifier.domain.quiet_hours import PARIS
from services.notifier.domain.segments import sms_text

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LOCALES = ("fr",)
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


#: The error code of a kind (or a kind and channel) this notifier has no template for.
UNKNOWN_TEMPLATE = "unknown_template"


class TemplateError(Exception):
    """The template is unknown, or the data does not fill it.

    :param field: the request field to blame (``template`` or ``data``).
    :param code: the API's error code: ``invalid_input``, or
        :data:`UNKNOWN_TEMPLATE` when no template exists for the kind and
        channel (a caller newer than this notifier may know it).
    """

    def __init__(self, message: str, field: str, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: ``subject`` and ``html`` are None for SMS."""

    body: str
    subject: str | None = None
    html: str | None = None


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if "T" in text:
        return _day(_moment(text))
    return date.fromisoformat(text)


def _moment(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"date et heure sans fuseau horaire : {value}")
    return moment.astimezone(PARIS)


def jour_fr(value: Any) -> str:
    """``2026-03-16`` -> ``lundi 16 mars 2026``."""
    day = _day(value)
    number = "1er" if day.day == 1 else str(day.day)
    return f"{DAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"


def date_fr(value: Any) -> str:
    """An aware ISO datetime -> ``jeudi 12 mars 2026 à 14 h 30`` (Paris time)."""
    moment = _moment(value)
    return f"{jour_fr(moment.date())} à {moment.hour} h {moment.minute:02d}"


@lru_cache(maxsize=4)
def environment(root: Path = TEMPLATES) -> Environment:
    """The Jinja environment of ``root``, built once per process."""
    env = Environment(
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters["date_fr"] = date_fr
    env.filters["jour_fr"] = jour_fr
    return env


def render(channel: str, kind: str, data: dict[str, Any], locale: str = "fr",
           root: Path = TEMPLATES) -> Rendered:
    """Render the message ``kind`` for ``channel`` with ``data``.

    SMS bodies are made GSM-7 friendly (see
    :func:`services.notifier.domain.segments.sms_text`).

    :raises TemplateError: unknown kind, channel or locale, or data that does
        not fill the template.
    """
    if locale not in LOCALES:
        raise TemplateError(f"langue non prise en charge : {locale}", "locale")
    if channel not in channels_of(kind):
        raise TemplateError(f"pas de modèle {kind!r} pour le canal {channel}", "template",
                            UNKNOWN_TEMPLATE)
    env = environment(root)
    try:
        if channel == "sms":
            return Rendered(body=sms_text(env.get_template(f"sms/{kind}.txt").render(data)))
        subject = env.get_template(f"email/{kind}.subject.txt").render(data)
        return Rendered(
            subject=" ".join(subject.split()),
            body=env.get_template(f"email/{kind}.txt").render(data).strip() + "\n",
            html=env.get_template(f"email/{kind}.html").render(data),
        )
    except TemplateNotFound as exc:
        raise TemplateError(f"modèle introuvable : {exc.name}", "template") from exc
    except UndefinedError as exc:
        raise TemplateError(f"donnée manquante pour le modèle {kind} : {exc.message}",
                            "data") from exc
    except (ValueError, TypeError) as exc:
        raise TemplateError(f"donnée invalide pour le modèle {kind} : {exc}", "data") from exc
    except TemplateSyntaxError as exc:  # a bug of ours, but say which file
        raise TemplateError(f"modèle illisible : {exc.name}", "template") from exc
