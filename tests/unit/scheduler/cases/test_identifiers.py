"""SIRET, phone and e-mail: the canonical forms stored, and the refusals."""

from __future__ import annotations

import pytest

from services.scheduler.domain.cases import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    normalize_siret,
)


@pytest.mark.parametrize(("given", "stored"), [
    ("73282932000017", "73282932000017"),
    ("732 829 320 00017", "73282932000017"),
    ("732.829.320.00017", "73282932000017"),
    ("35600000000001", "35600000000001"),  # La Poste: no Luhn key, digit sum rule instead
])
def test_valid_sirets_are_stored_as_14_digits(given: str, stored: str) -> None:
    assert normalize_siret(given) == stored


@pytest.mark.parametrize(("given", "reason"), [
    ("73282932000018", "clé de contrôle"),
    ("7328293200001", "14 chiffres"),
    ("7328293200001A", "14 chiffres"),
    ("", "14 chiffres"),
])
def test_invalid_sirets_are_refused_naming_the_field(given: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalize_siret(given)
    assert caught.value.field == "siret"
    assert reason in caught.value.message


@pytest.mark.parametrize(("given", "stored"), [
    ("06 12 34 56 78", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"),
    ("0033612345678", "+33612345678"),
    ("01 42 68 53 00", "+33142685300"),
    ("+32 470 12 34 56", "+32470123456"),
])
def test_phone_numbers_are_stored_in_e164_french_by_default(given: str, stored: str) -> None:
    assert normalize_phone(given) == stored


@pytest.mark.parametrize("given", ["12", "06 12", "bonjour", "+33 6 12 34 56 78 90 12", ""])
def test_impossible_phone_numbers_are_refused(given: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        normalize_phone(given, field="contact_phone")
    assert caught.value.field == "contact_phone"


def test_email_is_trimmed_and_its_domain_lowered() -> None:
    assert normalize_email("  Marie.Dupont@Exemple.FR ") == "Marie.Dupont@exemple.fr"


@pytest.mark.parametrize("given", ["marie", "marie@", "@exemple.fr", "marie@exemple",
                                   "ma rie@exemple.fr", "a@b@exemple.fr", "x" * 250 + "@a.fr"])
def test_malformed_emails_are_refused(given: str) -> None:
    with pytest.raises(InvalidValue):
        normalize_email(given)
