"""The whole evaluation of a situation: every obligation, window and warning.

``as_of`` matters in three places only: the pré-reprise visit closes after
the current chain's last day; the mid-career warning appears after the
mid-career year; a birth date after ``as_of`` is refused. Everything else is
a function of the facts alone, future arrêts included (taken as announced).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.scheduler.domain.rules import warnings
from services.scheduler.domain.rules.chains import (
    CurrentAbsence,
    build_chains,
    current_chain,
    cut_at_return,
)
from services.scheduler.domain.rules.errors import InvalidSituation
from services.scheduler.domain.rules.inaptitude import Inaptitude, inaptitude
from services.scheduler.domain.rules.liaison import LiaisonMeeting, liaison_meeting
from services.scheduler.domain.rules.mid_career import MidCareerVisit, mid_career_visit
from services.scheduler.domain.rules.policy import DEFAULT_POLICY, Policy
from services.scheduler.domain.rules.pre_reprise import PreRepriseVisit, pre_reprise_visit
from services.scheduler.domain.rules.reprise import RepriseVisit, reprise_visit
from services.scheduler.domain.rules.situation import Situation, check_situation, checked_absences
from services.scheduler.domain.rules.warnings import RuleWarning


@dataclass(frozen=True)
class Evaluation:
    """Every obligation the rules derive from a situation (the API's response shape)."""

    current_absence: CurrentAbsence | None
    liaison_meeting: LiaisonMeeting
    reprise_visit: RepriseVisit
    pre_reprise_visit: PreRepriseVisit
    mid_career_visit: MidCareerVisit
    inaptitude: Inaptitude | None
    warnings: tuple[RuleWarning, ...]


def evaluate(situation: Situation, policy: Policy = DEFAULT_POLICY) -> Evaluation:
    """Evaluate ``situation`` under ``policy``.

    :raises InvalidSituation: naming the offending field, e.g. ``absences[2].end``.
    """
    check_situation(situation)
    absences = checked_absences(tuple(situation.absences))
    found: list[RuleWarning] = []
    chains = build_chains(absences)
    current = current_chain(chains)
    returned = situation.return_date
    if current is not None and returned is not None:
        if returned <= current.start:
            raise InvalidSituation(
                "return_date", "le premier jour travaillé doit suivre le début de l'arrêt en cours")
        if returned <= current.end:
            # An early return cuts the arrêt: every rule sees the days actually off.
            found.append(warnings.early_return(returned, current.end))
            chains = build_chains(cut_at_return(absences, returned))
            current = current_chain(chains)
    liaison = liaison_meeting(
        chains, requested_on=situation.liaison_requested_on,
        spst_notified_on=situation.liaison_spst_notified_on, headcount=situation.headcount,
        referent_handicap_consent=situation.referent_handicap_consent,
        region=situation.region, policy=policy)
    reprise = reprise_visit(current, returned, policy)
    mid_career = mid_career_visit(situation.birth_date, situation.branch_age)
    opinion = inaptitude(situation.inaptitude_opinion_on)
    found += _warnings(situation, liaison, reprise, mid_career, opinion)
    return Evaluation(
        current_absence=CurrentAbsence.of(current) if current is not None else None,
        liaison_meeting=liaison,
        reprise_visit=reprise,
        pre_reprise_visit=pre_reprise_visit(current, situation.as_of),
        mid_career_visit=mid_career,
        inaptitude=opinion,
        warnings=tuple(found),
    )


def _warnings(situation: Situation, liaison: LiaisonMeeting, reprise: RepriseVisit,
              mid_career: MidCareerVisit, opinion: Inaptitude | None) -> list[RuleWarning]:
    found: list[RuleWarning] = []
    window = liaison.window
    if window is not None:
        if not liaison.eligible:
            found.append(warnings.liaison_not_eligible())
        if window.is_empty:
            found.append(warnings.liaison_window_impossible(window.earliest, window.latest))
    if situation.referent_handicap_consent and not liaison.referent_handicap_allowed:
        found.append(warnings.referent_handicap_not_allowed())
    if mid_career.window is not None and situation.as_of > mid_career.window.latest:
        found.append(warnings.mid_career_due_at_once(mid_career.window.latest))
    deadlines = _deadlines(situation.as_of, liaison, reprise, mid_career, opinion)
    found += warnings.deadline_warnings(deadlines, situation.region)
    return found


def _deadlines(as_of: date, liaison: LiaisonMeeting, reprise: RepriseVisit,
               mid_career: MidCareerVisit, opinion: Inaptitude | None) -> list[tuple[str, date]]:
    # Only days by which someone must have acted: the employer's information on
    # the liaison meeting, the last day of each open window, the salary's return.
    # A mid-career year already over has its own warning (due at once) instead.
    deadlines = []
    if liaison.eligible_from is not None:
        deadlines.append(("information du salarié sur le rendez-vous de liaison",
                          liaison.eligible_from))
    if liaison.window is not None and not liaison.window.is_empty:
        deadlines.append(("dernier jour du rendez-vous de liaison", liaison.window.latest))
    if reprise.window is not None:
        deadlines.append(("dernier jour de la visite de reprise", reprise.window.latest))
    if mid_career.window is not None and as_of <= mid_career.window.latest:
        deadlines.append(("fin de l'année de la visite de mi-carrière", mid_career.window.latest))
    if opinion is not None:
        deadlines.append(("reprise du paiement du salaire après l'avis d'inaptitude",
                          opinion.salary_resumes_on))
    return deadlines
