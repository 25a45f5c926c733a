"""What an employee meant by the SMS they sent back.

Relais asks yes/no questions by SMS ("Répondez OUI ou NON"). People answer the
way people do: ``Oui.``, ``OUI !``, ``ouii``, ``o``, ``1``, ``oui merci 👍``.
:func:`parse_reply` turns such a body into one :class:`Intent`; it is pure (no
I/O, no clock) so the whole table of variants is tested without a server.

Keywords follow Twilio's own handling of opt-outs: ``STOP`` and its English
synonyms block the number at Twilio, ``START`` and ``UNSTOP`` lift the block
(:data:`CARRIER_OPT_IN_KEYWORDS`). Twilio also treats a bare ``YES`` as an
opt-in keyword; here ``YES`` is first an answer, and the webhook checks
:func:`is_carrier_opt_in` to mirror Twilio's re-subscription when the number
had opted out.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Intent(StrEnum):
    """One reading of an inbound SMS."""

    YES = "yes"
    NO = "no"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    UNKNOWN = "unknown"


#: Whole messages Twilio itself treats as opt-out keywords, plus French ones
#: (``ARRET``, which must also be declared in the Messaging Service's Advanced
#: Opt-Out so that Twilio blocks the number and confirms).
OPT_OUT_KEYWORDS = frozenset({
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke",
    "arret", "arreter", "arretez", "desinscription", "desabonnement",
})
#: Words that, leading a message, are enough to read an opt-out ("stop sms",
#: "ARRÊT svp"): when in doubt, stopping messages is the safe reading.
_OPT_OUT_LEADING = frozenset({"stop", "stopall", "arret", "arreter", "arretez", "unsubscribe"})
#: Twilio's opt-in keywords: they lift a STOP at Twilio's side.
CARRIER_OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes"})
_OPT_IN_KEYWORDS = frozenset({"start", "unstop"})
_HELP_KEYWORDS = frozenset({"help", "aide", "info"})

_YES_WORDS = frozenset({"oui", "o", "1", "yes", "y", "ouais", "ui"})
_NO_WORDS = frozenset({"non", "n", "2", "no", "nn", "nan"})
_YES_STRETCHED = re.compile(r"^o+u+i+s*$")  # ouii, ouuui, ouiii
_NO_STRETCHED = re.compile(r"^n+o+n+$")  # nonn, noon
#: Words that may open a message before the answer ("bonjour, oui").
_OPENERS = frozenset({"bonjour", "bonsoir", "salut", "alors", "euh", "hello", "re", "et", "ben"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Only unambiguous words contradict an answer: "oui, je n'ai pas de question"
# holds an "n" that is no "non".
_STRONG_YES = frozenset({"oui", "yes", "ouais", "1"})
_STRONG_NO = frozenset({"non", "no", "nan", "2"})


def normalize(body: str) -> list[str]:
    """Lower-case words of ``body`` without accents, punctuation or emoji.

    ``"  ARRÊT !! 🙏"`` becomes ``["arret"]``.
    """
    decomposed = unicodedata.normalize("NFKD", body)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return [word for word in _NON_WORD.split(plain) if word]


def _is_yes(word: str) -> bool:
    return word in _YES_WORDS or bool(_YES_STRETCHED.match(word))


def _is_no(word: str) -> bool:
    return word in _NO_WORDS or bool(_NO_STRETCHED.match(word))


def is_carrier_opt_in(body: str) -> bool:
    """True when Twilio itself reads ``body`` as an opt-in (START, UNSTOP, YES)."""
    words = normalize(body)
    return len(words) == 1 and words[0] in CARRIER_OPT_IN_KEYWORDS


def parse_reply(body: str) -> Intent:
    """Read an inbound SMS body.

    Keywords (opt-out, opt-in, help) are matched on the whole message, or, for
    opt-outs, on its first word. An answer is read from its first word (after
    a greeting), provided the rest does not contradict it: ``oui merci`` is a
    yes, ``oui non`` and ``1 ou 2`` are unknown.
    """
    words = normalize(body)
    if not words:
        return Intent.UNKNOWN
    whole = " ".join(words)
    if whole in OPT_OUT_KEYWORDS or words[0] in _OPT_OUT_LEADING:
        return Intent.OPT_OUT
    if whole in _OPT_IN_KEYWORDS:
        return Intent.OPT_IN
    if whole in _HELP_KEYWORDS:
        return Intent.HELP
    while len(words) > 1 and words[0] in _OPENERS:
        words = words[1:]
    first, rest = words[0], words[1:]
    if _is_yes(first) and not any(w in _STRONG_NO or _NO_STRETCHED.match(w) for w in rest):
        return Intent.YES
    if _is_no(first) and not any(w in _STRONG_YES or _YES_STRETCHED.match(w) for w in rest):
        return Intent.NO
    return Intent.UNKNOWN
