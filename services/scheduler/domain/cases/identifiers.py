"""Identifiers of employers and employees: SIRET, phone number, e-mail.

Each function returns the canonical form that is stored, or raises
:class:`InvalidValue` naming the field. ``stdnum`` and ``phonenumbers`` are
pure libraries (no I/O), so they belong here with the rest of the checks.
"""

from __future__ import annotations

import re

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.fr import siret as stdnum_siret

from services.scheduler.domain.cases.errors import InvalidValue

DEFAULT_PHONE_REGION = "FR"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def normalize_siret(value: str, field: str = "siret") -> str:
    """The SIRET's 14 digits, spaces and dots removed.

    The checksum is the Luhn key, except for La Poste's establishments, which
    ``stdnum.fr.siret`` knows about.

    :raises InvalidValue: when it is not 14 digits or its key is wrong.
    """
    try:
        return str(stdnum_siret.validate(value))
    except stdnum_errors.InvalidChecksum as exc:
        raise InvalidValue(field, "SIRET invalide : la clé de contrôle ne correspond pas") from exc
    except stdnum_errors.ValidationError as exc:
        raise InvalidValue(field, "SIRET invalide : 14 chiffres attendus") from exc


def normalize_phone(value: str, field: str = "phone", region: str = DEFAULT_PHONE_REGION) -> str:
    """The number in E.164 (``+33612345678``); national numbers are French.

    :raises InvalidValue: when the number cannot be parsed or does not exist.
    """
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(field, "numéro de téléphone illisible") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(field, "numéro de téléphone invalide")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str, field: str = "email") -> str:
    """The address trimmed, its domain in lower case.

    Only the shape is checked (one ``@``, a dotted domain, no spaces): whether
    the mailbox exists is the notifier's business.

    :raises InvalidValue: on anything that cannot be an address.
    """
    address = value.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise InvalidValue(field, "adresse e-mail invalide")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"
