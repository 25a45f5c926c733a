"""SMS length: GSM-7 versus UCS-2, extension characters, segment counts."""

from __future__ import annotations

import pytest

from services.notifier.domain.segments import gsm_friendly, is_gsm7, measure, sms_text


@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("é" * 160, "GSM-7", 160, 1),  # é è à ù are GSM-7
    ("Rendez-vous confirmé à 14 h, réponse OUI", "GSM-7", 40, 1),
    ("€" * 80, "GSM-7", 160, 1),  # extension table: two septets each
    ("€" * 81, "GSM-7", 162, 2),
    ("a" * 159 + "[", "GSM-7", 161, 2),
    ("ç" + "a" * 69, "UCS-2", 70, 1),  # lower-case ç is not GSM-7
    ("ê" + "a" * 70, "UCS-2", 71, 2),
    ("a" * 134, "GSM-7", 134, 1),
    ("ô" * 134, "UCS-2", 134, 2),
    ("ô" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),  # emoji: two UTF-16 units
    ("😀" * 36, "UCS-2", 72, 2),
])
def test_measure(text: str, encoding: str, units: int, segments: int) -> None:
    length = measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


def test_gsm_tables() -> None:
    assert is_gsm7("Ça coûte 5 €") is False  # û
    assert is_gsm7("Ça coute 5 € {ok}")


def test_typographic_signs_become_gsm() -> None:
    assert gsm_friendly("l’heure « exacte » – 14\u00a0h…") == 'l\'heure " exacte " - 14 h...'


def test_sms_text_keeps_gsm_accents_and_drops_the_others() -> None:
    text = sms_text("Votre arrêt, reçu à 14 h : êtes-vous prête ? Noël, où ça ?")
    assert text == "Votre arret, recu à 14 h : etes-vous prete ? Noel, où ca ?"
    assert measure(text).encoding == "GSM-7"
