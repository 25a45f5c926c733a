"""Rendez-vous de liaison (liaison meeting) — C. trav. L.1226-1-3, D.1226-8-1.

Eligibility. Continuous basis: the current chain lasts more than 30 days
(at least 31), eligible from ``start + 30``. Otherwise, discontinuous basis:
the arrêt days within the 365 days ending on the current chain's last day sum
to more than 30. Interpretations: an arrêt straddling the start of those 365
days counts only for its days inside; overlapping arrêts count each day once;
every cause counts; the continuous basis wins whenever it applies; on the
discontinuous basis, eligibility starts on the first day of the current chain
whose own 365-day count exceeds 30. Eligibility does not depend on ``as_of``.

Window, when the employee asked or accepted on ``T0`` and the SPST was told on
``N`` (default ``T0``): ``[max(N + 8, T0 + 1), min(T0 + 15, arrêt end)]``,
reported as impossible when empty, never stretched. The meeting happens during
the arrêt, so no day before its first day either (a request made in advance).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.scheduler.domain.rules.calendar import non_working_days
from services.scheduler.domain.rules.chains import (
    Chain,
    current_chain,
    discontinuous_threshold_day,
)
from services.scheduler.domain.rules.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.rules.window import Window

#: An arrêt of more than this many days opens the meeting.
MORE_THAN_DAYS = 30
#: A date is proposed within this many days after the request.
PROPOSAL_DAYS = 15
#: The SPST is told this many days before the meeting.
SPST_NOTICE_DAYS = 8
#: The référent handicap may attend only in companies this large or larger.
REFERENT_HANDICAP_HEADCOUNT = 250


@dataclass(frozen=True)
class LiaisonMeeting:
    """Whether and when a liaison meeting may take place.

    ``referent_handicap_allowed``: the law allows the référent handicap to
    attend (250 employees or more and the employee consents).
    ``referent_handicap_invited``: allowed, and the policy invites them.
    """

    eligible: bool
    basis: str | None
    eligible_from: date | None
    window: Window | None
    window_status: str | None
    non_working_days: tuple[date, ...]
    referent_handicap_allowed: bool = False
    referent_handicap_invited: bool = False


def liaison_eligibility(chains: tuple[Chain, ...]) -> tuple[str | None, date | None]:
    """The basis (``continuous``, ``discontinuous`` or None) and the eligibility date."""
    current = current_chain(chains)
    if current is None:
        return None, None
    if current.days > MORE_THAN_DAYS:
        return "continuous", current.start + timedelta(days=MORE_THAN_DAYS)
    day = discontinuous_threshold_day(chains, MORE_THAN_DAYS)
    return ("discontinuous", day) if day is not None else (None, None)


def liaison_window(requested_on: date, spst_notified_on: date | None,
                   arret_end: date | None, arret_start: date | None = None) -> Window:
    """The days the meeting may take place, possibly empty.

    :param requested_on: ``T0``, the day the employee asked for or accepted it.
    :param spst_notified_on: ``N``, the day the SPST was told; None means ``T0``.
    :param arret_end: last day of the arrêt, when known: the meeting happens during it.
    :param arret_start: first day of the arrêt: for the same reason, a request made
        before the arrêt begins gives no day before it.
    """
    notified = spst_notified_on if spst_notified_on is not None else requested_on
    earliest = max(notified + timedelta(days=SPST_NOTICE_DAYS), requested_on + timedelta(days=1))
    if arret_start is not None:
        earliest = max(earliest, arret_start)
    latest = requested_on + timedelta(days=PROPOSAL_DAYS)
    if arret_end is not None:
        latest = min(latest, arret_end)
    return Window(earliest, latest)


def liaison_meeting(chains: tuple[Chain, ...], *, requested_on: date | None,
                    spst_notified_on: date | None, headcount: int | None,
                    referent_handicap_consent: bool, region: str,
                    policy: Policy = DEFAULT_POLICY) -> LiaisonMeeting:
    """Everything about the liaison meeting for the current chain of ``chains``.

    The window is computed whenever ``requested_on`` is given, even when the
    employee is not eligible (a warning says so), so that planners see it.
    """
    basis, eligible_from = liaison_eligibility(chains)
    window = status = None
    days: tuple[date, ...] = ()
    if requested_on is not None:
        current = current_chain(chains)
        window = liaison_window(requested_on, spst_notified_on,
                                current.end if current is not None else None,
                                current.start if current is not None else None)
        status = "impossible" if window.is_empty else "open"
        days = non_working_days(window.earliest, window.latest, region)
    allowed = (headcount is not None and headcount >= REFERENT_HANDICAP_HEADCOUNT
               and referent_handicap_consent)
    return LiaisonMeeting(
        eligible=basis is not None, basis=basis, eligible_from=eligible_from,
        window=window, window_status=status, non_working_days=days,
        referent_handicap_allowed=allowed,
        referent_handicap_invited=allowed and policy.invite_referent_handicap,
    )
