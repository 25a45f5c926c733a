"""Phone numbers and e-mail addresses never reach the logs in full."""

from __future__ import annotations

import logging

import pytest

from shared.logging import MaskingFilter, mask


@pytest.mark.parametrize("text, hidden, kept", [
    ("SMS to +33612345678 queued", "+33612345678", "+********78"),
    ("appel au 06 12 34 56 78", "06 12 34 56 78", "********78"),
    ("tel 06.12.34.56.78.", "06.12.34.56.78", "********78"),
    ("appel au +33 6 12 34 56 78", "6 12 34 56", "+********78"),
    ("appel au 0033612345678", "0033612345678", "00********78"),
    ("From=%2B33612345678&Body=OUI", "33612345678", "%2B********78"),
    ("gateway 33612345678 ok", "33612345678", "********78"),
    ("mail jeanne.dupont@example.fr sent", "jeanne.dupont@example.fr", "j***@***"),
    ("from RH <rh@entreprise-exemple.com>", "rh@entreprise-exemple.com", "r***@***"),
], ids=["e164", "french-spaced", "french-dotted", "international-spaced", "double-zero",
        "url-encoded", "bare-country-code", "email", "email-in-brackets"])
def test_mask_hides_contact_details(text: str, hidden: str, kept: str) -> None:
    masked = mask(text)
    assert hidden not in masked
    assert kept in masked


@pytest.mark.parametrize("text", [
    "window 2025-04-15 2025-04-22",
    "at 2025-04-15T10:00:00+02:00",
    "notification 12345 attempt 3",
    "siret 73282932000074",
], ids=["dates", "datetime", "ids", "siret"])
def test_mask_keeps_dates_and_identifiers(text: str) -> None:
    assert mask(text) == text


def test_filter_masks_formatted_arguments() -> None:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "sent to %s", ("+33612345678",),
                               None)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == "sent to +********78"
