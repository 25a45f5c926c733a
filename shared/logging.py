"""Readable logs with phone numbers and e-mail addresses masked.

Masking happens in a filter on the handler, so that no code path, ours or a
library's, can write a full address or number to the logs.
"""

from __future__ import annotations

import logging
import re
import sys

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
# International numbers with a + (also URL-encoded, %2B, as in webhook bodies)
# or 00 prefix, spaced or not (+33 6 12 34 56 78, 0033612345678); French
# national numbers (06 12 34 56 78); bare French mobiles without the + as some
# gateways print them (33612345678). The look-arounds keep ISO dates and
# identifiers intact.
_PHONE = re.compile(
    r"(?<![\w+\-./:])"
    r"(?:(\+|%2B|00)(?:\d[\s.-]?){6,12}(\d{2})"
    r"|0\d(?:[\s.-]?\d{2}){3}[\s.-]?(\d{2})"
    r"|33[67]\d{6}(\d{2}))"
    r"(?![\w-])",
    re.IGNORECASE,
)


def mask(text: str) -> str:
    """Mask e-mail addresses and phone numbers in ``text``.

    ``jeanne.dupont@example.fr`` becomes ``j***@***``; ``+33612345678`` becomes
    ``+********78``: enough to tell two people apart in a log, not to reach them.
    """
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@***", text)
    return _PHONE.sub(_masked_number, text)


def _masked_number(match: re.Match[str]) -> str:
    prefix = match.group(1) or ""
    return prefix + "*" * 8 + (match.group(2) or match.group(3) or match.group(4))


class MaskingFilter(logging.Filter):
    """Rewrite every record's final message with :func:`mask` applied."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send the root logger to stderr, one readable line per record, masked."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_relais", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._relais = True  # type: ignore[attr-defined]
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s {service:<9} %(levelname)-7s %(name)s: %(message)s")
    )
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
