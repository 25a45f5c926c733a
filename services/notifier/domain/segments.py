"""SMS length: encoding (GSM-7 or UCS-2), characters and segment count.

GSM-7 (3GPP TS 23.038) carries 160 characters in one SMS and 153 per segment
once split; its extension table characters (``€ [ ] { } \\ ~ ^ |`` and form
feed) take two. Any other character switches the whole message to UCS-2: 70
in one SMS, 67 per segment, characters outside the BMP (emoji) taking two
UTF-16 units.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION

# Typographic signs with a plain GSM-7 twin: replacing them keeps the text
# readable and avoids UCS-2, which would more than halve the room.
GSM_FRIENDLY = str.maketrans({
    "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "«": '"', "»": '"',
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2013": "-", "\u2014": "-",
})


@dataclass(frozen=True)
class SmsLength:
    """How an SMS body travels."""

    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def gsm_friendly(text: str) -> str:
    """Replace typographic quotes, dashes, ellipses and narrow spaces by GSM-7 ones."""
    return text.translate(GSM_FRIENDLY)


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 basic or extension table."""
    return GSM7.issuperset(text)


def measure(text: str) -> SmsLength:
    """Encoding, length in units and number of segments of ``text``."""
    if is_gsm7(text):
        units = len(text) + sum(text.count(c) for c in GSM7_EXTENSION.intersection(text))
        return SmsLength("GSM-7", units, _segments(units, 160, 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsLength("UCS-2", units, _segments(units, 70, 67))


def _segments(units: int, single: int, per_part: int) -> int:
    if units == 0:
        return 1
    if units <= single:
        return 1
    return -(-units // per_part)


# French letters missing from GSM-7, written without their accent in SMS only:
# one circumflex would otherwise switch the whole message to UCS-2 (70
# characters per SMS instead of 160). é è à ù are in GSM-7 and stay.
FRENCH_TO_GSM = str.maketrans({
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ç": "c",
    "Â": "A", "Ê": "E", "Î": "I", "Ô": "O", "Û": "U", "Ë": "E", "Ï": "I", "È": "E",
    "À": "A", "œ": "oe", "Œ": "OE", "ÿ": "y",
})


def sms_text(text: str) -> str:
    """An SMS body as sent: GSM-friendly signs and French letters, trimmed."""
    return gsm_friendly(text).translate(FRENCH_TO_GSM).strip()
