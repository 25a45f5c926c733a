"""What must never leave Relais: medical vocabulary, an arrêt's cause, free-text fields,
unmasked phone numbers and e-mail addresses (in logs), a private pré-reprise (to employers).

Each finder returns the offending excerpts, so a failure shows where it leaked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

#: Words that describe a health condition or its care (French and English).
MEDICAL_WORDS = (
    "diagnostic", "diagnosis", "pathologie", "pathology", "maladie de", "maladie d'",
    "cancer", "dépression", "depression", "dépressif", "burn-out", "burnout", "tumeur",
    "tumour", "chimiothérapie", "chemotherapy", "psychiatr", "symptôme", "symptom",
    "ordonnance", "hospitalisation", "hospitalisé", "grossesse", "pregnan",
    "fausse couche", "lombalgie", "fracture", "anxiété", "anxiety", "sclérose",
    "diabète", "diabetes", "séropositi", "chirurgie", "surgery", "traitement médical",
    "antidépresseur", "addiction", "alcoolisme", "cardiaque", "épilepsie", "covid",
)
MEDICAL = re.compile("|".join(re.escape(word) for word in MEDICAL_WORDS), re.IGNORECASE)
#: An arrêt's cause category, in code or in words: it stays between the SPST and the API.
CAUSE = re.compile(r"maladie[ _]professionnelle|accident[ _](?:du[ _])?travail|"
                   r"accident[ _](?:de[ _])?trajet|maternit[ée]", re.IGNORECASE)
PRE_REPRISE = re.compile(r"pr[ée][ _-]?reprise", re.IGNORECASE)
#: Keys of a free-text or medical field, which no message may carry.
FREE_TEXT_KEYS = frozenset({"cause", "motif", "reason", "raison", "diagnostic", "diagnosis",
                            "notes", "note", "comment", "commentaire", "medical",
                            "observations", "details_medicaux"})
PHONE = re.compile(r"(?<![\w*])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _excerpts(pattern: re.Pattern[str], text: str, where: str) -> list[str]:
    return [f"{where}: …{text[max(m.start() - 60, 0):m.end() + 60]}…"
            for m in pattern.finditer(text)]


def medical(text: str, where: str) -> list[str]:
    return _excerpts(MEDICAL, text, where)


def causes(text: str, where: str) -> list[str]:
    return _excerpts(CAUSE, text, where)


def pre_reprise(text: str, where: str) -> list[str]:
    return _excerpts(PRE_REPRISE, text, where)


def unmasked_contacts(text: str, where: str, numbers: Iterable[str] = ()) -> list[str]:
    """Full phone numbers and e-mail addresses; ``numbers`` are digit runs never to appear."""
    found = _excerpts(PHONE, text, where) + _excerpts(EMAIL, text, where)
    for digits in numbers:
        found += _excerpts(re.compile(re.escape(digits)), text, where)
    return found


def free_text_keys(value: Any, where: str) -> list[str]:
    """Keys of free-text or medical fields anywhere in a JSON-like value."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).lower() in FREE_TEXT_KEYS:
                found.append(f"{where}: champ « {key} »")
            found += free_text_keys(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += free_text_keys(inner, f"{where}[{index}]")
    return found


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           default=str)
