"""What to do after a provider error: retry later, give up, or stop and look.

Twilio codes (see its error dictionary): 21610 the recipient opted out,
21211 invalid number, 21614/30006 not a mobile or a landline, 30005 unknown
number, 30007 filtered as spam, 21408/21612 unreachable region or route. Rate
limits (20429, HTTP 429), server errors and connection failures are transient.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """How the dispatcher treats a failed attempt."""

    RETRY = "retry"  # transient: back to the queue with a backoff
    PERMANENT = "permanent"  # never retry: failed
    AMBIGUOUS = "ambiguous"  # may have gone out: never resend blindly


OPTED_OUT_CODES = frozenset({"21610"})
PERMANENT_CODES = frozenset(
    {"21610", "21211", "21612", "21614", "21408", "30003", "30005", "30006", "30007", "30008"}
)
TRANSIENT_CODES = frozenset({"20429", "20500", "20503", "30001", "30002"})


def classify(
    *, code: str | None = None, http_status: int | None = None, timed_out_after_send: bool = False
) -> Outcome:
    """Classify one failure from what the provider (or the network) said.

    :param timed_out_after_send: the request left but the answer never came.
    """
    if timed_out_after_send:
        return Outcome.AMBIGUOUS
    if code in PERMANENT_CODES:
        return Outcome.PERMANENT
    if code in TRANSIENT_CODES:
        return Outcome.RETRY
    if http_status is None or http_status == 429 or http_status >= 500:
        return Outcome.RETRY  # no answer at all, rate limit, server error
    return Outcome.PERMANENT  # any other 4xx: our request is wrong, retrying cannot help


def is_opt_out(code: str | None) -> bool:
    """True when the error says the recipient refuses SMS (21610)."""
    return code in OPTED_OUT_CODES
