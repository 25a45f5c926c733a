"""Checking and normalizing recipients: E.164 phone numbers and e-mail addresses."""

from __future__ import annotations

import re

import phonenumbers

# Deliberately simple: one @, no spaces, a dotted domain. The SMTP server has
# the last word; this catches typing mistakes at request time.
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class InvalidRecipient(ValueError):
    """The address or number cannot be reached."""


def normalize_phone(raw: str, region: str = "FR") -> str:
    """``06 12 34 56 78`` -> ``+33612345678``.

    :raises InvalidRecipient: when the number is not a valid one.
    """
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidRecipient("numéro de téléphone illisible") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidRecipient("numéro de téléphone invalide")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    """Trim and lower-case the domain of an e-mail address.

    :raises InvalidRecipient: when it does not look like an address.
    """
    address = raw.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidRecipient("adresse e-mail invalide")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"
