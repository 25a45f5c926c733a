"""Callback signatures, and recipients' normalization."""

from __future__ import annotations

import pytest

from services.notifier.domain.signing import sign, verify
from services.notifier.service_layer.recipients import (
    InvalidRecipient,
    normalize_email,
    normalize_phone,
)


def test_signature_round_trip() -> None:
    header = sign("clé", b'{"a":1}', 1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert verify("clé", b'{"a":1}', header, now=1_700_000_100)


@pytest.mark.parametrize(("key", "body", "now"), [
    ("autre", b'{"a":1}', 1_700_000_000), ("clé", b'{"a":2}', 1_700_000_000),
    ("clé", b'{"a":1}', 1_700_000_400),  # too old
])
def test_bad_signatures(key: str, body: bytes, now: int) -> None:
    assert not verify(key, body, sign("clé", b'{"a":1}', 1_700_000_000), now=now)


def test_garbage_header() -> None:
    assert not verify("clé", b"", "nonsense", now=0)


@pytest.mark.parametrize(("raw", "e164"), [
    ("06 12 34 56 78", "+33612345678"), ("0612345678", "+33612345678"),
    ("+33 6 12 34 56 78", "+33612345678"), ("0033612345678", "+33612345678"),
    ("+32 470 12 34 56", "+32470123456"), ("+262 692 12 34 56", "+262692123456"),
])
def test_phones(raw: str, e164: str) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["123", "06 12", "bonjour", "+33 1", ""])
def test_invalid_phones(raw: str) -> None:
    with pytest.raises(InvalidRecipient):
        normalize_phone(raw)


def test_emails() -> None:
    assert normalize_email(" Jeanne.Dupont@Example.FR ") == "Jeanne.Dupont@example.fr"
    for bad in ("jeanne", "jeanne@", "@x.fr", "a b@x.fr", "a@x", "a@@x.fr"):
        with pytest.raises(InvalidRecipient):
            normalize_email(bad)
