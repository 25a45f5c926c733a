"""The table of inbound SMS bodies and what they mean."""

from __future__ import annotations

import pytest

from services.notifier.domain.replies import Intent, is_carrier_opt_in, normalize, parse_reply

CASES = [
    # yes
    ("oui", Intent.YES), ("Oui.", Intent.YES), ("OUI !", Intent.YES), ("  oui  ", Intent.YES),
    ("o", Intent.YES), ("O", Intent.YES), ("1", Intent.YES), ("ouii?", Intent.YES),
    ("Ouiii", Intent.YES), ("oui merci", Intent.YES), ("Oui, merci beaucoup 🙏", Intent.YES),
    ("yes", Intent.YES), ("yes?", Intent.YES), ("OUÏ", Intent.YES), ("Bonjour, oui", Intent.YES),
    ("👍 oui", Intent.YES), ("oui\n", Intent.YES), ("ouais", Intent.YES),
    ("oui je n'ai pas de question", Intent.YES),
    # no
    ("non", Intent.NO), ("n", Intent.NO), ("N", Intent.NO), ("2", Intent.NO),
    ("Non.", Intent.NO), ("NON !!!", Intent.NO), ("non merci", Intent.NO), ("Nonn", Intent.NO),
    ("no", Intent.NO), ("bonjour non", Intent.NO),
    # opt-out
    ("STOP", Intent.OPT_OUT), ("stop", Intent.OPT_OUT), ("Stop.", Intent.OPT_OUT),
    ("ARRET", Intent.OPT_OUT), ("ARRÊT", Intent.OPT_OUT), ("arrêt svp", Intent.OPT_OUT),
    ("STOPALL", Intent.OPT_OUT), ("UNSUBSCRIBE", Intent.OPT_OUT), ("cancel", Intent.OPT_OUT),
    ("END", Intent.OPT_OUT), ("quit", Intent.OPT_OUT), ("stop sms", Intent.OPT_OUT),
    ("STOP 🛑", Intent.OPT_OUT), ("Arrêter", Intent.OPT_OUT),
    # opt-in (Twilio's keywords)
    ("START", Intent.OPT_IN), ("start", Intent.OPT_IN), ("UNSTOP", Intent.OPT_IN),
    # help
    ("HELP", Intent.HELP), ("aide", Intent.HELP), ("Aide ?", Intent.HELP), ("INFO", Intent.HELP),
    # unknown
    ("", Intent.UNKNOWN), ("   ", Intent.UNKNOWN), ("👍", Intent.UNKNOWN), ("?!", Intent.UNKNOWN),
    ("peut-être", Intent.UNKNOWN), ("oui non", Intent.UNKNOWN), ("1 ou 2", Intent.UNKNOWN),
    ("non oui", Intent.UNKNOWN), ("je ne sais pas", Intent.UNKNOWN), ("ok", Intent.UNKNOWN),
    ("Bonjour", Intent.UNKNOWN), ("3", Intent.UNKNOWN), ("ending", Intent.UNKNOWN),
]


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[repr(b) for b, _ in CASES])
def test_parse_reply(body: str, expected: Intent) -> None:
    assert parse_reply(body) == expected


def test_intents_are_plain_strings() -> None:
    assert parse_reply("oui") == "yes"
    assert parse_reply("STOP").value == "opt_out"


@pytest.mark.parametrize(("body", "expected"), [
    ("START", True), ("unstop", True), ("Yes", True), ("yes!", True),
    ("oui", False), ("yes please", False), ("STOP", False),
])
def test_carrier_opt_in_keywords(body: str, expected: bool) -> None:
    assert is_carrier_opt_in(body) is expected


def test_normalize_strips_accents_punctuation_and_emoji() -> None:
    assert normalize("  ARRÊT !! 🙏 É-t-é ") == ["arret", "e", "t", "e"]
