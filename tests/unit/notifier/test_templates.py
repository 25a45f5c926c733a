"""Every template renders in French with its example data; SMS fit in two segments."""

from __future__ import annotations

import re

import pytest

from services.notifier.adapters.templates import TemplateError, date_fr, jour_fr, render
from services.notifier.domain.kinds import EXAMPLES, KINDS
from services.notifier.domain.segments import measure

PAIRS = [(kind, channel) for kind, channels in KINDS.items() for channel in channels]
SMS_KINDS = [kind for kind, channels in KINDS.items() if "sms" in channels]
# Words that would reveal a health detail; "médical" alone (as in "non médical")
# describes the meeting, not the person.
MEDICAL = re.compile(
    r"diagnostic|patholog|maladie|symptôme|traitement|médicament|ordonnance|hospitali|"
    r"chirurg|opération|cancer|dépression|burn.?out|psychiatr|handicap|grossesse|"
    r"maternité|blessure|accident|infection|thérap", re.IGNORECASE)


def test_every_kind_has_examples_and_templates() -> None:
    assert set(EXAMPLES) == set(KINDS)
    assert len(PAIRS) >= 20


@pytest.mark.parametrize(("kind", "channel"), PAIRS)
def test_renders_without_medical_words(kind: str, channel: str) -> None:
    rendered = render(channel, kind, EXAMPLES[kind])
    for text in (rendered.body, rendered.subject or "", rendered.html or ""):
        assert not MEDICAL.search(text), text
        assert "{{" not in text and "{%" not in text
    assert rendered.body.startswith("Bonjour")
    if channel == "email":
        assert rendered.subject and "\n" not in rendered.subject
        assert rendered.html and '<html lang="fr">' in rendered.html


@pytest.mark.parametrize("kind", SMS_KINDS)
def test_sms_fit_in_two_gsm7_segments(kind: str) -> None:
    length = measure(render("sms", kind, EXAMPLES[kind]).body)
    assert length.encoding == "GSM-7"
    assert length.segments <= 2, length


@pytest.mark.parametrize("kind", SMS_KINDS)
def test_sms_with_a_long_employer_name_still_fit(kind: str) -> None:
    data = EXAMPLES[kind] | {"employer_name": "Société Coopérative des Transports Réunis",
                             "name": "Jean-Christophe"}
    assert measure(render("sms", kind, data).body).segments <= 2


def test_missing_variable_is_refused_with_the_data_field() -> None:
    data = dict(EXAMPLES["liaison_confirmed"])
    del data["calendar_link"]
    with pytest.raises(TemplateError, match="calendar_link") as caught:
        render("sms", "liaison_confirmed", data)
    assert caught.value.field == "data"


def test_unknown_kind_or_channel() -> None:
    with pytest.raises(TemplateError) as caught:
        render("sms", "nope", {})
    assert caught.value.field == "template"
    with pytest.raises(TemplateError):
        render("sms", "reprise_referral", EXAMPLES["reprise_referral"])  # e-mail only


def test_html_is_escaped() -> None:
    data = EXAMPLES["liaison_refused_employer"] | {"employee_name": "<script>x</script>"}
    rendered = render("email", "liaison_refused_employer", data)
    assert "<script>" not in (rendered.html or "")
    assert "<script>x</script>" in rendered.body  # text stays text


def test_french_dates() -> None:
    assert jour_fr("2026-03-01") == "dimanche 1er mars 2026"
    assert date_fr("2026-07-14T08:05:00Z") == "mardi 14 juillet 2026 à 10 h 05"
    with pytest.raises(ValueError):
        date_fr("2026-07-14T08:05:00")


@pytest.mark.parametrize("kind", ["reprise_escalation", "reprise_escalation_employer"])
def test_a_reprise_escalation_says_whether_the_deadline_has_passed(kind: str) -> None:
    coming = render("email", kind, EXAMPLES[kind] | {"overdue": False})
    passed = render("email", kind, EXAMPLES[kind] | {"overdue": True})
    for rendered in (coming, passed):
        assert "mardi 24 mars 2026" in (rendered.subject or "") + rendered.body
    assert "doit avoir lieu au plus tard" in coming.body
    assert "dépassée" not in coming.body + (coming.subject or "")
    assert "devait avoir lieu au plus tard" in passed.body and "dépassée" in passed.subject
    assert "devait avoir lieu" in (passed.html or "")
    assert "doit avoir lieu" in (coming.html or "") and "devait" not in (coming.html or "")


def test_the_employer_escalation_points_to_the_spst_not_to_the_planner() -> None:
    rendered = render("email", "reprise_escalation_employer",
                      EXAMPLES["reprise_escalation_employer"])
    assert "prendre contact" in rendered.body
    assert "http" not in rendered.body and "/planner/" not in (rendered.html or "")


def test_an_escalation_queued_before_the_overdue_flag_still_renders() -> None:
    data = {k: v for k, v in EXAMPLES["reprise_escalation"].items() if k != "overdue"}
    assert "doit avoir lieu" in render("email", "reprise_escalation", data).body
