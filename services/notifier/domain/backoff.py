"""Retry delays: exponential backoff with "full jitter".

The delay before retry ``n`` is drawn uniformly in ``[0, min(cap, base * 2**(n-1))]``
(AWS's "full jitter"), so that a burst of failures does not come back as a
burst. Randomness is passed in, so tests are exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Retry policy.

    :param base: seconds of the first ceiling.
    :param cap: the longest delay, seconds.
    :param max_attempts: attempts in all, the first included; then ``failed``.
    :param floor: the shortest delay, seconds (avoids a hot loop at 0).
    """

    base: float = 2.0
    cap: float = 600.0
    max_attempts: int = 10
    floor: float = 1.0

    def delay(
        self, attempt: int, random: Callable[[], float], retry_after: float | None = None
    ) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based).

        :param random: returns a float in ``[0, 1)``, e.g. ``random.random``.
        :param retry_after: the provider's own request, honoured as a minimum.
        """
        ceiling = min(self.cap, self.base * 2.0 ** max(attempt - 1, 0))
        drawn = max(self.floor, ceiling * random())
        if retry_after is not None:
            drawn = max(drawn, min(retry_after, self.cap))
        return drawn

    def exhausted(self, attempts: int) -> bool:
        """True when no attempt is left after ``attempts`` tries."""
        return attempts >= self.max_attempts
